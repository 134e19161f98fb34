package io.relay.workflow.csat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;

import javax.sql.DataSource;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V50 on answers stored before it: each takes when Relay received its event from the inbox; one whose event was
 * purged keeps none (it then counts as received at its answer's time).
 */
class CsatAnswerMigrationTests {

	private static final Instant ANSWERED = Instant.parse("2026-11-20T08:30:00Z");

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void answersStoredBeforeTheMigrationTakeTheirEventsReceiptTime(String database) {
		DataSource dataSource = MigratedDatabase.upTo("49", database, "csat_answer_received");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		Instant received = ANSWERED.plusSeconds(2);
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "('stored', 'satisfaction.answered', 'application/json', ?, ?)", "{}".getBytes(StandardCharsets.UTF_8),
				Answers.utc(received));
		for (String[] answer : new String[][] { { "c-stored", "stored" }, { "c-purged", "purged" } }) {
			jdbc.update("insert into csat_answer (conversation_id, question, score, answered_at, answered_on, "
					+ "event_id, updated_at) values (?, 'CSAT', 5, ?, ?, ?, ?)", answer[0], Answers.utc(ANSWERED),
					LocalDate.parse("2026-11-20"), answer[1], Answers.utc(ANSWERED));
		}

		MigratedDatabase.migrated(dataSource);

		assertThat(jdbc.queryForObject("select received_at from csat_answer where conversation_id = 'c-stored'",
				OffsetDateTime.class).toInstant()).isEqualTo(received);
		assertThat(jdbc.queryForObject("select received_at from csat_answer where conversation_id = 'c-purged'",
				OffsetDateTime.class)).isNull();
	}

}
