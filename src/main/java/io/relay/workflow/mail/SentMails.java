package io.relay.workflow.mail;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.relay.system.Databases;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The never-twice ledger ({@code workflow_mail}): one row per (workflow, conversation), moved through
 * {@code SENDING -> SENT}, {@code SENDING -> FAILED -> SENDING...} or {@code SENDING -> UNCONFIRMED}. Every move is a
 * conditional update, so that two attempts (two instances, a lease taken over) never both think they own a row.
 */
final class SentMails {

	enum Status {

		SENDING, SENT, FAILED, UNCONFIRMED

	}

	record Row(long id, String workflow, String conversationId, String idempotencyKey, Status status, String messageId,
			int attempts, @Nullable String lastError, Instant updatedAt, @Nullable Instant sentAt) {
	}

	private static final int MAX_ERROR = 2000;

	private final JdbcTemplate jdbc;

	SentMails(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	Optional<Row> find(String workflow, String conversationId) {
		List<Row> rows = this.jdbc.query("select * from workflow_mail where workflow = ? and conversation_id = ?",
				SentMails::row, workflow, conversationId);
		return rows.stream().findFirst();
	}

	/**
	 * Claims the (workflow, conversation) for sending: a new row, or a {@code FAILED} one taken over.
	 * @return the claimed row, or empty when someone else holds it (then {@link #find} tells in which state)
	 */
	Optional<Row> claim(String workflow, String conversationId, String idempotencyKey, String messageId, Instant now) {
		try {
			this.jdbc.update("insert into workflow_mail (workflow, conversation_id, idempotency_key, status, message_id, "
					+ "attempts, created_at, updated_at) values (?, ?, ?, 'SENDING', ?, 1, ?, ?)", workflow,
					conversationId, idempotencyKey, messageId, Timestamp.from(now), Timestamp.from(now));
			return find(workflow, conversationId);
		}
		catch (DuplicateKeyException ex) {
			int taken = this.jdbc.update("update workflow_mail set status = 'SENDING', idempotency_key = ?, "
					+ "attempts = attempts + 1, updated_at = ? where workflow = ? and conversation_id = ? "
					+ "and status = 'FAILED'", idempotencyKey, Timestamp.from(now), workflow, conversationId);
			return (taken == 1) ? find(workflow, conversationId) : Optional.empty();
		}
	}

	boolean sent(Row row, Instant now) {
		return this.jdbc.update("update workflow_mail set status = 'SENT', sent_at = ?, updated_at = ?, last_error = null "
				+ "where id = ? and status = 'SENDING'", Timestamp.from(now), Timestamp.from(now), row.id()) == 1;
	}

	/** Nothing went out: a later attempt may claim the row again. */
	void failed(Row row, String error, Instant now) {
		this.jdbc.update("update workflow_mail set status = 'FAILED', last_error = ?, updated_at = ? "
				+ "where id = ? and status = 'SENDING'", Databases.text(error, MAX_ERROR), Timestamp.from(now),
				row.id());
	}

	/**
	 * The message may have gone out: never send it again.
	 * @param expectedUpdatedAt the row's {@code updated_at} as read, so that a row claimed again meanwhile is left alone
	 */
	boolean unconfirmed(Row row, String error, Instant now, @Nullable Instant expectedUpdatedAt) {
		if (expectedUpdatedAt == null) {
			return this.jdbc.update("update workflow_mail set status = 'UNCONFIRMED', last_error = ?, updated_at = ? "
					+ "where id = ? and status = 'SENDING'", Databases.text(error, MAX_ERROR), Timestamp.from(now),
					row.id()) == 1;
		}
		return this.jdbc.update("update workflow_mail set status = 'UNCONFIRMED', last_error = ?, updated_at = ? "
				+ "where id = ? and status = 'SENDING' and updated_at = ?", Databases.text(error, MAX_ERROR), Timestamp.from(now),
				row.id(), Timestamp.from(expectedUpdatedAt)) == 1;
	}

	private static Row row(ResultSet rs, int index) throws SQLException {
		Timestamp sentAt = rs.getTimestamp("sent_at");
		return new Row(rs.getLong("id"), rs.getString("workflow"), rs.getString("conversation_id"),
				rs.getString("idempotency_key"), Status.valueOf(rs.getString("status")), rs.getString("message_id"),
				rs.getInt("attempts"), rs.getString("last_error"), rs.getTimestamp("updated_at").toInstant(),
				(sentAt != null) ? sentAt.toInstant() : null);
	}

}
