package io.relay.workflow.csat;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Objects;

import io.relay.event.Channel;
import io.relay.system.Databases;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What Relay has seen of each conversation ({@code csat_conversation}): its channel, operator and project, from
 * the latest {@code v2.conversation.pushed} or {@code v2.conversation.closed} (by the event's {@code createdAt}) that
 * names them (a close by a bot names no operator: the one it was pushed to stays). The operator is decided apart
 * ({@code operator_seen_at}, {@code operator_event_id}): a transfer push arriving after a bot's close is newer than
 * the operator the close kept, though older than the close. Recorded like {@link Answers}: idempotent, in any order.
 */
@Repository
@ConditionalOnCsatDashboard
class Conversations {

	/**
	 * What a newer event does not say (no project; a channel Relay does not know) keeps what an older one said: a
	 * close without a channel must not move the conversation's answers to "unknown".
	 */
	private static final String REPLACE_OLDER = "update csat_conversation set channel = case when ? = 'UNKNOWN' then "
			+ "channel else ? end, project_id = coalesce(?, project_id), seen_at = ?, event_id = ?, updated_at = ? "
			+ "where conversation_id = ? and (seen_at < ? or (seen_at = ? and event_id < ?))";

	/** An older event fills in what the stored, newer one does not say (events of a conversation in any order). */
	private static final String FILL_GAPS = "update csat_conversation set project_id = coalesce(project_id, ?), "
			+ "channel = case when channel = 'UNKNOWN' then ? else channel end, updated_at = ? where conversation_id = ? "
			+ "and ((project_id is null and cast(? as bigint) is not null) or (channel = 'UNKNOWN' and ? <> 'UNKNOWN'))";

	/**
	 * The operator of the latest event that names one. A row from before V51 has no operator time: its operator came
	 * with its own event, or from an older one filling a gap, and counts as seen with the row's event (a later event
	 * naming an operator replaces it). A row without an operator takes any.
	 */
	private static final String REPLACE_OPERATOR = "update csat_conversation set operator_id = ?, operator_seen_at = ?, "
			+ "operator_event_id = ?, updated_at = ? where conversation_id = ? and (operator_id is null or "
			+ "coalesce(operator_seen_at, seen_at) < ? or (coalesce(operator_seen_at, seen_at) = ? and "
			+ "coalesce(operator_event_id, event_id) < ?))";

	private static final String INSERT = "insert into csat_conversation (channel, operator_id, operator_seen_at, "
			+ "operator_event_id, project_id, seen_at, event_id, updated_at, conversation_id) "
			+ "values (?, ?, ?, ?, ?, ?, ?, ?, ?)";

	private final JdbcTemplate jdbc;

	/**
	 * On PostgreSQL the insert of a conversation already there does nothing ({@code on conflict do nothing}) rather
	 * than fail: most events are not a conversation's first, and each failed insert wrote an ERROR line to the
	 * server's log. It still waits for another delivery's uncommitted insert, as a failing one does.
	 */
	private final String insertSql;

	private final TransactionTemplate transactions;

	/**
	 * The insert, within {@link #transactions}: on H2 its duplicate key rolls back to a savepoint, not the whole; on
	 * PostgreSQL it does not fail, and needs no savepoint (two statements more per event).
	 */
	private final TransactionTemplate insert;

	Conversations(JdbcTemplate jdbc, PlatformTransactionManager transactionManager) {
		this.jdbc = jdbc;
		boolean postgres = Databases.isPostgres(jdbc);
		this.insertSql = postgres ? INSERT + " on conflict (conversation_id) do nothing" : INSERT;
		this.transactions = new TransactionTemplate(transactionManager);
		this.insert = new TransactionTemplate(transactionManager);
		this.insert.setPropagationBehavior(
				postgres ? TransactionDefinition.PROPAGATION_REQUIRED : TransactionDefinition.PROPAGATION_NESTED);
	}

	/**
	 * Records what the event says, in one transaction: the row and its operator are two statements that stamp one
	 * {@code updated_at}, and a summary read between two commits would be kept under the change token of the
	 * second (see {@link SharedSummaries}), without the second's change.
	 * @return whether anything changed
	 */
	boolean record(Conversation conversation, Instant now) {
		return Boolean.TRUE.equals(this.transactions.execute((status) -> {
			// The row first: an update that found none, then another delivery's insert committed, would leave the
			// operator's statement behind (it ran while there was no row).
			try {
				if (this.insert.execute((savepoint) -> this.jdbc.update(this.insertSql,
						(ps) -> set(ps, conversation, now))) == 1) {
					return true;
				}
			}
			catch (DuplicateKeyException ex) {
				// Below, as for PostgreSQL's insert that did nothing.
			}
			// There (its insert committed, if it was another delivery's): the operator before the row's update, as a
			// row from before V51 compares the operator with the row's own event, which that update moves.
			boolean operator = replaceOperator(conversation, now);
			return replaceOlder(conversation, now) || fillGaps(conversation, now) || operator;
		}));
	}

	// updated_at too: other instances learn of changes from it (Answers.lastChange).
	private boolean fillGaps(Conversation conversation, Instant now) {
		String channel = conversation.channel().name();
		return this.jdbc.update(FILL_GAPS, (ps) -> {
			ps.setObject(1, conversation.projectId(), Types.BIGINT);
			ps.setString(2, channel);
			ps.setObject(3, Answers.utc(now));
			ps.setString(4, conversation.conversationId());
			ps.setObject(5, conversation.projectId(), Types.BIGINT);
			ps.setString(6, channel);
		}) == 1;
	}

	private boolean replaceOlder(Conversation conversation, Instant now) {
		return this.jdbc.update(REPLACE_OLDER, (ps) -> {
			OffsetDateTime at = Answers.utc(conversation.seenAt());
			ps.setString(1, conversation.channel().name());
			ps.setString(2, conversation.channel().name());
			ps.setObject(3, conversation.projectId(), Types.BIGINT);
			ps.setObject(4, at);
			ps.setString(5, conversation.eventId());
			ps.setObject(6, Answers.utc(now));
			ps.setString(7, conversation.conversationId());
			ps.setObject(8, at);
			ps.setObject(9, at);
			ps.setString(10, conversation.eventId());
		}) == 1;
	}

	private boolean replaceOperator(Conversation conversation, Instant now) {
		if (conversation.operatorId() == null) {
			return false;
		}
		return this.jdbc.update(REPLACE_OPERATOR, (ps) -> {
			OffsetDateTime at = Answers.utc(conversation.seenAt());
			ps.setLong(1, conversation.operatorId());
			ps.setObject(2, at);
			ps.setString(3, conversation.eventId());
			ps.setObject(4, Answers.utc(now));
			ps.setString(5, conversation.conversationId());
			ps.setObject(6, at);
			ps.setObject(7, at);
			ps.setString(8, conversation.eventId());
		}) == 1;
	}

	private static void set(PreparedStatement ps, Conversation conversation, Instant now) throws SQLException {
		boolean namesOperator = conversation.operatorId() != null;
		OffsetDateTime at = Answers.utc(conversation.seenAt());
		ps.setString(1, conversation.channel().name());
		ps.setObject(2, conversation.operatorId(), Types.BIGINT);
		ps.setObject(3, namesOperator ? at : null, Types.TIMESTAMP_WITH_TIMEZONE);
		ps.setString(4, namesOperator ? conversation.eventId() : null);
		ps.setObject(5, conversation.projectId(), Types.BIGINT);
		ps.setObject(6, at);
		ps.setString(7, conversation.eventId());
		ps.setObject(8, Answers.utc(now));
		ps.setString(9, conversation.conversationId());
	}

	/**
	 * @param operatorId the operator the conversation's answers count for: the one it was pushed to, or the last one
	 * listed when it closed
	 * @param seenAt the event's {@code createdAt}
	 */
	record Conversation(String conversationId, Channel channel, @Nullable Long operatorId, @Nullable Long projectId,
			Instant seenAt, String eventId) {

		Conversation {
			conversationId = Objects.requireNonNull(Databases.text(conversationId, Answers.MAX_ID_LENGTH),
					"conversationId");
		}

	}

}
