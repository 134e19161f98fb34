package io.relay.workflow.promocode;

import java.sql.Timestamp;
import java.time.Instant;
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
 * V48 on a database that already has rows: those whose transaction event is purged go, the others stay, and from
 * then on a row goes with its event.
 */
class PromoCodeTransactionMigrationTests {

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void rowsGoWithTheirEventFromV48On(String database) {
		DataSource dataSource = switch (database) {
			case "h2" -> new DriverManagerDataSource("jdbc:h2:mem:v48-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
					"sa", "");
			default -> new DriverManagerDataSource(TestPostgres.newDatabase("v48"), TestPostgres.username(),
					TestPostgres.password());
		};
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		Flyway.configure().dataSource(dataSource).target("47").load().migrate();
		String kept = event(jdbc);
		transaction(jdbc, kept);
		transaction(jdbc, "purged-" + UUID.randomUUID());

		Flyway.configure().dataSource(dataSource).load().migrate();

		assertThat(jdbc.queryForList("select event_id from promo_code_transaction", String.class))
			.containsExactly(kept);
		jdbc.update("delete from inbox_event where event_id = ?", kept);
		assertThat(jdbc.queryForObject("select count(*) from promo_code_transaction", Integer.class)).isZero();
	}

	private static String event(JdbcTemplate jdbc) {
		String eventId = UUID.randomUUID().toString();
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'transaction.attributed', 'application/json', ?, ?)", eventId, "{}".getBytes(),
				Timestamp.from(Instant.now()));
		return eventId;
	}

	private static void transaction(JdbcTemplate jdbc, String eventId) {
		jdbc.update("insert into promo_code_transaction (event_id, conversation_id, received_at) values (?, ?, ?)",
				eventId, "c-" + eventId, Timestamp.from(Instant.now()));
	}

}
