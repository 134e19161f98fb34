package io.relay.workflow.ticket;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code ticket_satisfaction} table: the latest CSAT answer of each conversation, as {@code satisfaction.answered}
 * events report them.
 */
class Satisfactions {

	private final JdbcTemplate jdbc;

	Satisfactions(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/** Records an answer, unless a later one is recorded already (a replay of an old event changes nothing). */
	void record(String conversationId, int customerSatisfaction, Instant answeredAt, String eventId) {
		if (update(conversationId, customerSatisfaction, answeredAt, eventId) > 0) {
			return;
		}
		try {
			this.jdbc.update("insert into ticket_satisfaction (conversation_id, customer_satisfaction, answered_at, "
					+ "event_id) values (?, ?, ?, ?)", conversationId, customerSatisfaction, Timestamp.from(answeredAt),
					eventId);
		}
		catch (DuplicateKeyException ex) {
			// A row exists: either a later answer (keep it) or one written at this very moment (compare again).
			update(conversationId, customerSatisfaction, answeredAt, eventId);
		}
	}

	/** The latest CSAT answer of a conversation, if any. */
	Optional<Integer> find(String conversationId) {
		List<Integer> answers = this.jdbc.queryForList("select customer_satisfaction from ticket_satisfaction where "
				+ "conversation_id = ?", Integer.class, conversationId);
		return answers.stream().findFirst();
	}

	private int update(String conversationId, int customerSatisfaction, Instant answeredAt, String eventId) {
		return this.jdbc.update("update ticket_satisfaction set customer_satisfaction = ?, answered_at = ?, "
				+ "event_id = ? where conversation_id = ? and answered_at <= ?", customerSatisfaction,
				Timestamp.from(answeredAt), eventId, conversationId, Timestamp.from(answeredAt));
	}

}
