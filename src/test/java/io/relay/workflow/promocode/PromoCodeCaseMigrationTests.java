package io.relay.workflow.promocode;

import java.util.UUID;

import javax.sql.DataSource;

import io.relay.support.TestPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V48 on a pool stored before it: codes that differ only by case from an older one keep no key, the others get
 * theirs, and the constraint holds from then on.
 */
class PromoCodeCaseMigrationTests {

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void codesStoredBeforeTheMigrationGetTheirKeyAndALaterCaseTwinNone(String database) {
		DataSource dataSource = switch (database) {
			case "h2" -> new DriverManagerDataSource("jdbc:h2:mem:case-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
					"sa", "");
			default -> new DriverManagerDataSource(TestPostgres.newDatabase("promo_case"), TestPostgres.username(),
					TestPostgres.password());
		};
		Flyway.configure().dataSource(dataSource).target("47").load().migrate();
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		for (String code : new String[] { "Spring-1", "SPRING-2", "spring-1", "SPRING-1" }) {
			jdbc.update("insert into promo_code (campaign, code, origin, batch_id, created_at) values ('old', ?, "
					+ "'IMPORTED', 'b', current_timestamp)", code);
		}

		Flyway.configure().dataSource(dataSource).load().migrate();

		assertThat(jdbc.query("select code, code_key from promo_code order by id",
				(rs, row) -> rs.getString("code") + " -> " + rs.getString("code_key")))
			.containsExactly("Spring-1 -> spring-1", "SPRING-2 -> spring-2", "spring-1 -> null", "SPRING-1 -> null");
	}

}
