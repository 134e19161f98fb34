package io.relay.workflow.csat;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Objects;

import io.relay.system.Databases;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The latest answer to each question of each conversation ({@code csat_answer}).
 * <p>
 * Recording is idempotent and does not depend on the order of arrival: a row is only ever overwritten by an answer
 * that is later (by {@code answered_at}, ties broken by when Relay received it, then by event id). It runs without a
 * transaction, one atomic statement at a time: a conditional update, else an insert, else (the row appeared
 * meanwhile) the conditional update again.
 */
@Repository
@ConditionalOnCsatDashboard
class Answers {

	/** How far before the newest change {@link #lastChange} counts the changes: well beyond any clock drift. */
	private static final Duration RECENT = Duration.ofMinutes(1);

	/** The longest comment kept; longer ones are cut. */
	static final int MAX_COMMENT_LENGTH = 4000;

	/** The longest conversation id kept, as the inbox keeps it. */
	static final int MAX_ID_LENGTH = 255;

	/**
	 * When the stored answer was received: read from the inbox while its event is there, since an instance from before
	 * V50 replaces an answer without its receipt time (and inserts one without it); else as recorded; else, for a row
	 * from before V50 whose event was purged, its answer's time.
	 */
	private static final String RECEIVED = "coalesce((select e.received_at from inbox_event e where e.event_id = "
			+ "csat_answer.event_id), csat_answer.received_at, csat_answer.answered_at)";

	private static final String REPLACE_OLDER = "update csat_answer set score = ?, comment = ?, answered_at = ?, "
			+ "answered_on = ?, event_id = ?, project_id = ?, received_at = ?, updated_at = ? where conversation_id = ? "
			+ "and question = ? and (answered_at, " + RECEIVED + ", event_id) < (?, ?, ?)";

	private static final String INSERT = "insert into csat_answer (score, comment, answered_at, answered_on, event_id, "
			+ "project_id, received_at, updated_at, conversation_id, question) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

	private final JdbcTemplate jdbc;

	Answers(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * Records an answer unless the conversation already has a later answer to the same question.
	 * @return whether anything changed
	 */
	boolean record(Answer answer, Instant now) {
		if (replaceOlder(answer, now)) {
			return true;
		}
		try {
			return this.jdbc.update(INSERT, (ps) -> set(ps, answer, now)) == 1;
		}
		catch (DuplicateKeyException ex) {
			// The row exists (a later or equal answer, or one written concurrently): the update decides.
			return replaceOlder(answer, now);
		}
	}

	private boolean replaceOlder(Answer answer, Instant now) {
		return this.jdbc.update(REPLACE_OLDER, (ps) -> {
			set(ps, answer, now);
			// Compared in that order, as one row (the inbox read once).
			ps.setObject(11, utc(answer.answeredAt()));
			ps.setObject(12, utc(answer.receivedAt()));
			ps.setString(13, answer.eventId());
		}) == 1;
	}

	private static void set(PreparedStatement ps, Answer answer, Instant now) throws SQLException {
		ps.setObject(1, answer.score(), Types.INTEGER);
		ps.setString(2, answer.comment());
		ps.setObject(3, utc(answer.answeredAt()));
		ps.setObject(4, answer.answeredOn());
		ps.setString(5, answer.eventId());
		ps.setObject(6, answer.projectId(), Types.BIGINT);
		ps.setObject(7, utc(answer.receivedAt()));
		ps.setObject(8, utc(now));
		ps.setString(9, answer.conversationId());
		ps.setString(10, answer.question().name());
	}

	/** Whether the conversation has any answer recorded. */
	boolean exist(String conversationId) {
		return !this.jdbc.queryForList("select 1 from csat_answer where conversation_id = ? fetch first 1 rows only",
				Integer.class, conversationId).isEmpty();
	}

	/** A token that changes whenever an answer or a conversation is recorded, on any instance. */
	String lastChange() {
		return change("csat_answer") + "|" + change("csat_conversation");
	}

	/**
	 * The newest {@code updated_at} of a table, and the count and sum of the {@code updated_at} of the minute before
	 * it: a change committed after a newer one (stamped a moment earlier, or by an instance whose clock is a little
	 * behind) does not move the newest time, but it adds a row to that minute or moves one within it.
	 */
	private String change(String table) {
		Timestamp newest = this.jdbc.queryForObject("select max(updated_at) from " + table, Timestamp.class);
		if (newest == null) {
			return "none";
		}
		return newest.toInstant() + "/" + this.jdbc.queryForObject("select count(*), sum(extract(epoch from "
				+ "updated_at)) from " + table + " where updated_at >= ?", (rs, row) -> rs.getLong(1) + "/"
						+ rs.getBigDecimal(2), Timestamp.from(newest.toInstant().minus(RECENT)));
	}

	static OffsetDateTime utc(Instant instant) {
		return instant.atOffset(ZoneOffset.UTC);
	}

	enum Question {

		CSAT, NPS, COMMENT

	}

	/**
	 * One answer of one conversation.
	 * @param answeredOn the day of {@code answeredAt} in the dashboard's time zone
	 * @param projectId the project the event names, if any
	 * @param receivedAt when Relay received the event: of two answers with the same {@code answeredAt} (iAdvize gives
	 * it to the second), the one received later wins, then the greater event id
	 */
	record Answer(String conversationId, Question question, @Nullable Integer score, @Nullable String comment,
			Instant answeredAt, LocalDate answeredOn, String eventId, @Nullable Long projectId, Instant receivedAt) {

		Answer {
			// As the inbox stores the id (so that answers and conversations still meet), and a comment PostgreSQL
			// takes: a NUL in it failed the insert, retried until the delivery died.
			conversationId = Objects.requireNonNull(Databases.text(conversationId, MAX_ID_LENGTH), "conversationId");
			Objects.requireNonNull(question, "question");
			comment = Databases.text(comment, MAX_COMMENT_LENGTH);
		}

	}

}
