package io.relay.workflow.csat;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;

import io.relay.event.Channel;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * What Relay has seen of each conversation ({@code csat_conversation}): its channel, operator and project, from
 * the latest {@code v2.conversation.pushed} or {@code v2.conversation.closed} (by the event's {@code createdAt}).
 * Recorded like {@link Answers}: idempotent, in any order.
 */
@Repository
@ConditionalOnCsatDashboard
class Conversations {

	private static final String REPLACE_OLDER = "update csat_conversation set channel = ?, operator_id = ?, "
			+ "project_id = ?, seen_at = ?, event_id = ?, updated_at = ? where conversation_id = ? "
			+ "and (seen_at < ? or (seen_at = ? and event_id < ?))";

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
			return replaceOlder(conversation, now);
		}
	}

	private boolean replaceOlder(Conversation conversation, Instant now) {
		return this.jdbc.update(REPLACE_OLDER, (ps) -> {
			set(ps, conversation, now);
			OffsetDateTime at = Answers.utc(conversation.seenAt());
			ps.setObject(8, at);
			ps.setObject(9, at);
			ps.setString(10, conversation.eventId());
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
	}

}
