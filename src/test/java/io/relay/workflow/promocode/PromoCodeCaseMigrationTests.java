package io.relay.workflow.promocode;

import java.util.Locale;

import javax.sql.DataSource;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * V48 on a pool stored before it: of codes that differ only by case, an assigned one or else the oldest keeps the
 * key and the others are withheld; the same whatever the locale; and the constraint holds from then on.
 */
class PromoCodeCaseMigrationTests {

	@ParameterizedTest
	@ValueSource(strings = { "h2", "h2 in a Turkish locale", "postgres" })
	void codesStoredBeforeTheMigrationGetTheirKeyAndALaterCaseTwinIsWithheld(String database) {
		DataSource dataSource = MigratedDatabase.upTo("47", database.startsWith("h2") ? "h2" : "postgres",
				"promo_case");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		for (String code : new String[] { "Spring-1", "SPRING-2", "spring-1", "SPRING-1", "INFO-I", "Gift-9" }) {
			jdbc.update("insert into promo_code (campaign, code, origin, batch_id, created_at) values ('old', ?, "
					+ "'IMPORTED', 'b', current_timestamp)", code);
		}
		// A newer twin that went to a visitor already, in another campaign: it keeps the key, the free one is withheld.
		jdbc.update("insert into promo_code (campaign, code, origin, batch_id, created_at, assigned_at, visitor_key) "
				+ "values ('other', 'GIFT-9', 'IMPORTED', 'b', current_timestamp, current_timestamp, 'v')");

		Locale locale = Locale.getDefault();
		try {
			if (database.contains("Turkish")) {
				// H2's lower() follows the JVM's locale, where 'I' lowers to a dotless i.
				Locale.setDefault(Locale.forLanguageTag("tr-TR"));
			}
			MigratedDatabase.migrated(dataSource);
		}
		finally {
			Locale.setDefault(locale);
		}

		assertThat(jdbc.query("select id, code, code_key from promo_code order by id", (rs, row) -> rs.getString("code")
				+ " -> " + rs.getString("code_key").replace("#" + rs.getLong("id"), "#id")))
			.containsExactly("Spring-1 -> spring-1", "SPRING-2 -> spring-2", "spring-1 -> #id", "SPRING-1 -> #id",
					"INFO-I -> info-i", "Gift-9 -> #id", "GIFT-9 -> gift-9");
		assertThat(PromoCodePool.key("INFO-I")).isEqualTo("info-i");
		assertThatExceptionOfType(DuplicateKeyException.class)
			.isThrownBy(() -> jdbc.update("insert into promo_code (campaign, code, code_key, origin, batch_id, "
					+ "created_at) values ('new', 'sPRING-2', 'spring-2', 'IMPORTED', 'b', current_timestamp)"));
	}

}
