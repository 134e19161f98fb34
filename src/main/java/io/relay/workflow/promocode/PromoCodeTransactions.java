package io.relay.workflow.promocode;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code transaction.attributed} events this workflow has seen, by conversation ({@code promo_code_transaction}).
 * <p>
 * A row is kept while any event of its conversation is stored: the delivery of a close checks for a transaction at
 * every attempt, and can be retried or replayed until that close is purged ({@code relay.retention}), whenever the
 * transaction event itself was purged. After that, and once the row is older than the retention (and {@link #AT_LEAST}),
 * nothing can ask for it.
 */
final class PromoCodeTransactions {

	private static final Logger logger = LoggerFactory.getLogger(PromoCodeTransactions.class);

	private static final int PURGE_BATCH = 1000;

	/**
	 * Kept at least this long, whatever a shorter retention says: the close may come after the transaction event is
	 * purged (a purchase during a conversation that stays open for hours or days), and finds nothing otherwise.
	 */
	static final Duration AT_LEAST = Duration.ofDays(30);

	private final JdbcTemplate jdbc;

	private final Clock clock;

	/** How long a row is kept at least: the retention, and {@link #AT_LEAST}. */
	private final Duration kept;

	PromoCodeTransactions(JdbcTemplate jdbc, Clock clock, Duration retention) {
		this.jdbc = jdbc;
		this.clock = clock;
		this.kept = (retention.compareTo(AT_LEAST) > 0) ? retention : AT_LEAST;
	}

	void record(String eventId, String conversationId, Instant receivedAt) {
		try {
			this.jdbc.update("insert into promo_code_transaction (event_id, conversation_id, received_at) "
					+ "values (?, ?, ?)", eventId, conversationId, Timestamp.from(receivedAt));
		}
		catch (DuplicateKeyException ex) {
			// a replay of an event already recorded
		}
	}

	boolean any(String conversationId) {
		Integer count = this.jdbc.queryForObject(
				"select count(*) from promo_code_transaction where conversation_id = ?", Integer.class, conversationId);
		return count != null && count > 0;
	}

	/**
	 * Run with the retention purge's rhythm ({@link PromoCodeConfiguration}); every instance may run it (deleting the
	 * same rows twice is harmless).
	 */
	void purgeOld() {
		try {
			int deleted = purge(this.clock.instant().minus(this.kept));
			if (deleted > 0) {
				logger.info("Deleted {} recorded transaction(s) of conversations no longer stored", deleted);
			}
		}
		catch (DataAccessException ex) {
			logger.warn("Could not delete old recorded transactions; trying again at the next purge: {}", ex.toString());
		}
	}

	/**
	 * Deletes, in batches, the rows received before {@code cutoff} whose conversation has no event stored any more.
	 * @return how many were deleted
	 */
	int purge(Instant cutoff) {
		int total = 0;
		int deleted;
		do {
			deleted = this.jdbc.update("delete from promo_code_transaction where id in (select t.id from "
					+ "promo_code_transaction t where t.received_at < ? and not exists (select 1 from inbox_event e "
					+ "where e.conversation_id = t.conversation_id) order by t.id fetch first ? rows only)",
					Timestamp.from(cutoff), PURGE_BATCH);
			total += deleted;
		}
		while (deleted == PURGE_BATCH);
		return total;
	}

}
