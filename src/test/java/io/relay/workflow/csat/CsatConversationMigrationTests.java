package io.relay.workflow.csat;

import java.time.Instant;
import java.util.UUID;

import javax.sql.DataSource;

import io.relay.event.Channel;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * V51 on conversations stored before it (no backfill): a stored operator counts as seen with its row's event, so an
 * operator named by a newer event replaces it and one named by an older event does not; a row without one takes any.
 */
class CsatConversationMigrationTests {

	private static final Instant CLOSED = Instant.parse("2026-11-20T08:30:00Z");

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void anOperatorStoredBeforeTheMigrationCountsAsSeenWithItsRowsEvent(String database) {
		DataSource dataSource = MigratedDatabase.upTo("50", database, "csat_operator");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		for (String row : new String[] { "with-operator:41", "older-operator:41", "no-operator:null" }) {
			String[] parts = row.split(":");
			jdbc.update("insert into csat_conversation (conversation_id, channel, operator_id, seen_at, event_id, "
					+ "updated_at) values (?, 'CHAT', ?, ?, 'stored', ?)", parts[0],
					parts[1].equals("null") ? null : Long.valueOf(parts[1]), Answers.utc(CLOSED), Answers.utc(CLOSED));
		}

		MigratedDatabase.migrated(dataSource);

		Conversations conversations = new Conversations(jdbc, new JdbcTransactionManager(dataSource));
		Instant now = CLOSED.plusSeconds(3600);
		assertThat(conversations.record(pushed("with-operator", 42L, CLOSED.plusSeconds(60)), now)).isTrue();
		assertThat(conversations.record(pushed("older-operator", 42L, CLOSED.minusSeconds(60)), now)).isFalse();
		assertThat(conversations.record(pushed("no-operator", 43L, CLOSED.minusSeconds(60)), now)).isTrue();
		assertThat(jdbc.queryForList("select conversation_id || ':' || operator_id from csat_conversation "
				+ "order by conversation_id", String.class))
			.containsExactly("no-operator:43", "older-operator:41", "with-operator:42");
	}

	@Test
	void onPostgreSqlTheMigrationDoesNotRewriteTheTable() {
		// Two nullable columns without a default: a change of the table's definition only, no rewrite under a lock
		// that older instances' writes would wait for (operations.md says so).
		DataSource dataSource = MigratedDatabase.upTo("50", "postgres", "csat_operator_rewrite");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		String file = "select relfilenode from pg_class where relname = 'csat_conversation'";
		Long before = jdbc.queryForObject(file, Long.class);

		MigratedDatabase.migrated(dataSource);

		assertThat(jdbc.queryForObject(file, Long.class)).isEqualTo(before);
		assertThat(jdbc.queryForObject("select count(*) from information_schema.columns where table_name = "
				+ "'csat_conversation' and column_name in ('operator_seen_at', 'operator_event_id')", Integer.class))
			.isEqualTo(2);
	}

	private static Conversations.Conversation pushed(String conversation, long operator, Instant at) {
		return new Conversations.Conversation(conversation, Channel.CHAT, operator, null, at,
				UUID.randomUUID().toString());
	}

}
