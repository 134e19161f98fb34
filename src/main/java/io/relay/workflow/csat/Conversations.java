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

/**
 * What Relay has seen of each conversation ({@code csat_conversation}): its channel, operator and project, from
 * the latest {@code v2.conversation.pushed} or {@code v2.conversation.closed} (by the event's {@code createdAt}) that
 * names them (a close by a bot names no operator: the one it was pushed to stays).
 * Recorded like {@link Answers}: idempotent, in any order.
 */
@Repository
@ConditionalOnCsatDashboard
class Conversations {

	/**
	 * What a newer event does not say (no operator: a bot closed it; no project; a channel Relay does not know) keeps
	 * what an older one said: a close without operators must not move the conversation's answers to "unknown".
	 */
	private static final String REPLACE_OLDER = "update csat_conversation set channel = case when ? = 'UNKNOWN' then "
			+ "channel else ? end, operator_id = coalesce(?, operator_id), project_id = coalesce(?, project_id), "
			+ "seen_at = ?, event_id = ?, updated_at = ? where conversation_id = ? "
			+ "and (seen_at < ? or (seen_at = ? and event_id < ?))";

	/** An older event fills in what the stored, newer one does not say (events of a conversation in any order). */
	private static final String FILL_GAPS = "update csat_conversation set operator_id = coalesce(operator_id, ?), "
			+ "project_id = coalesce(project_id, ?), channel = case when channel = 'UNKNOWN' then ? else channel end, "
			+ "updated_at = ? where conversation_id = ? and ((operator_id is null and cast(? as bigint) is not null) or "
			+ "(project_id is null and cast(? as bigint) is not null) or (channel = 'UNKNOWN' and ? <> 'UNKNOWN'))";

	private static final String INSERT = "insert into csat_conversation (channel, operator_id, project_id, seen_at, "
			+ "event_id, updated_at, conversation_id) values (?, ?, ?, ?, ?, ?, ?)";

	private final JdbcTemplate jdbc;

	Conversations(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/** @return whether anything changed */
	boolean record(Conversation conversation, Instant now) {
		if (replaceOlder(conversation, now)) {
			return true;
		}
		try {
			return this.jdbc.update(INSERT, (ps) -> set(ps, conversation, now)) == 1;
		}
		catch (DuplicateKeyException ex) {
			return replaceOlder(conversation, now) || fillGaps(conversation, now);
		}
	}

	// updated_at too: other instances learn of changes from it (Answers.lastChange).
	private boolean fillGaps(Conversation conversation, Instant now) {
		String channel = conversation.channel().name();
		return this.jdbc.update(FILL_GAPS, (ps) -> {
			ps.setObject(1, conversation.operatorId(), Types.BIGINT);
			ps.setObject(2, conversation.projectId(), Types.BIGINT);
			ps.setString(3, channel);
			ps.setObject(4, Answers.utc(now));
			ps.setString(5, conversation.conversationId());
			ps.setObject(6, conversation.operatorId(), Types.BIGINT);
			ps.setObject(7, conversation.projectId(), Types.BIGINT);
			ps.setString(8, channel);
		}) == 1;
	}

	private boolean replaceOlder(Conversation conversation, Instant now) {
		return this.jdbc.update(REPLACE_OLDER, (ps) -> {
			OffsetDateTime at = Answers.utc(conversation.seenAt());
			ps.setString(1, conversation.channel().name());
			ps.setString(2, conversation.channel().name());
			ps.setObject(3, conversation.operatorId(), Types.BIGINT);
			ps.setObject(4, conversation.projectId(), Types.BIGINT);
			ps.setObject(5, at);
			ps.setString(6, conversation.eventId());
			ps.setObject(7, Answers.utc(now));
			ps.setString(8, conversation.conversationId());
			ps.setObject(9, at);
			ps.setObject(10, at);
			ps.setString(11, conversation.eventId());
		}) == 1;
	}

	private static void set(PreparedStatement ps, Conversation conversation, Instant now) throws SQLException {
		ps.setString(1, conversation.channel().name());
		ps.setObject(2, conversation.operatorId(), Types.BIGINT);
		ps.setObject(3, conversation.projectId(), Types.BIGINT);
		ps.setObject(4, Answers.utc(conversation.seenAt()));
		ps.setString(5, conversation.eventId());
		ps.setObject(6, Answers.utc(now));
		ps.setString(7, conversation.conversationId());
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
