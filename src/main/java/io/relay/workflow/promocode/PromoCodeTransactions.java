package io.relay.workflow.promocode;

import java.sql.Timestamp;
import java.time.Instant;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code transaction.attributed} events this workflow has seen, by conversation ({@code promo_code_transaction}).
 */
final class PromoCodeTransactions {

	private final JdbcTemplate jdbc;

	PromoCodeTransactions(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
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

}
