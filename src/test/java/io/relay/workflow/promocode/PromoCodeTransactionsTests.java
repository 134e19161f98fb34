package io.relay.workflow.promocode;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The recorded transactions are purged only when nothing can ask for them any more: older than the retention, and
 * no event of their conversation stored (a close whose delivery may still be retried or replayed).
 */
class PromoCodeTransactionsTests {

	private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

	private static final Duration RETENTION = Duration.ofDays(30);

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void anOldTransactionGoesOnceNoEventOfItsConversationIsStored(String database) {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of(database, "transactions"));
		PromoCodeTransactions transactions = transactions(jdbc, RETENTION);
		Instant old = NOW.minus(RETENTION).minus(Duration.ofDays(1));
		String closeStillStored = "conversation-" + UUID.randomUUID();
		event(jdbc, closeStillStored, old.plus(Duration.ofDays(2)));
		transactions.record("t-1", closeStillStored, old);
		String gone = "conversation-" + UUID.randomUUID();
		transactions.record("t-2", gone, old);
		String recent = "conversation-" + UUID.randomUUID();
		transactions.record("t-3", recent, NOW.minus(Duration.ofDays(1)));

		transactions.purgeOld();

		assertThat(transactions.any(closeStillStored)).as("its close may still be retried or replayed").isTrue();
		assertThat(transactions.any(gone)).isFalse();
		assertThat(transactions.any(recent)).as("younger than the retention").isTrue();

		jdbc.update("delete from inbox_event where conversation_id = ?", closeStillStored);
		assertThat(transactions.purge(NOW.minus(RETENTION))).isOne();
		assertThat(transactions.any(closeStillStored)).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aShortRetentionStillKeepsThemThirtyDaysForACloseThatComesLate(String database) {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of(database, "transactions_short"));
		PromoCodeTransactions transactions = transactions(jdbc, Duration.ofHours(1));
		transactions.record("t-1", "still-open", NOW.minus(Duration.ofDays(2)));
		transactions.record("t-2", "long-gone", NOW.minus(PromoCodeTransactions.AT_LEAST).minusSeconds(1));

		transactions.purgeOld();

		assertThat(transactions.any("still-open")).isTrue();
		assertThat(transactions.any("long-gone")).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void manyAreDeletedInBatches(String database) {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of(database, "transactions_batches"));
		PromoCodeTransactions transactions = transactions(jdbc, RETENTION);
		for (int i = 0; i < 2_345; i++) {
			transactions.record("t-" + i, "conversation-" + i, NOW.minus(Duration.ofDays(40)));
		}

		assertThat(transactions.purge(NOW.minus(RETENTION))).isEqualTo(2_345);
		assertThat(jdbc.queryForObject("select count(*) from promo_code_transaction", Integer.class)).isZero();
	}

	private static PromoCodeTransactions transactions(JdbcTemplate jdbc, Duration retention) {
		return new PromoCodeTransactions(jdbc, Clock.fixed(NOW, ZoneOffset.UTC), retention);
	}

	private static void event(JdbcTemplate jdbc, String conversationId, Instant receivedAt) {
		jdbc.update("insert into inbox_event (event_id, event_type, conversation_id, content_type, payload, "
				+ "received_at) values (?, 'v2.conversation.closed', ?, 'application/json', ?, ?)",
				UUID.randomUUID().toString(), conversationId, "{}".getBytes(), Timestamp.from(receivedAt));
	}

}
