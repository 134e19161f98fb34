package io.relay.inbox.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.Locale;

import io.relay.inbox.IncomingEvent;
import io.relay.inbox.QuarantinedDelivery;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.ParameterizedPreparedStatementSetter;
import org.springframework.stereotype.Repository;

/**
 * The inbox tables, through plain JDBC.
 */
@Repository
class InboxRepository {

	private static final String COLUMNS = "event_id, event_type, conversation_id, visitor_id, delivery_id, "
			+ "correlation_id, content_type, payload, received_at";

	// PostgreSQL: ON CONFLICT is atomic against concurrent inserts from other instances. H2 (embedded, one
	// process) has no ON CONFLICT outside its PostgreSQL mode; its MERGE gives the same "insert if absent".
	private static final String POSTGRES_INSERT = "insert into inbox_event (" + COLUMNS + ") values "
			+ "(?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (event_id) do nothing";

	private static final String MERGE_INSERT = "merge into inbox_event t using (values (?, ?, ?, ?, ?, ?, ?, "
			+ "cast(? as varbinary), cast(? as timestamp with time zone))) s(" + COLUMNS + ") "
			+ "on t.event_id = s.event_id when not matched then insert (" + COLUMNS + ") values (s.event_id, "
			+ "s.event_type, s.conversation_id, s.visitor_id, s.delivery_id, s.correlation_id, s.content_type, "
			+ "s.payload, s.received_at)";

	private final JdbcTemplate jdbc;

	private final String insertIfAbsent;

	InboxRepository(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		String product = jdbc.execute((ConnectionCallback<String>) (c) -> c.getMetaData().getDatabaseProductName());
		this.insertIfAbsent = (product != null && product.toLowerCase(Locale.ROOT).contains("postgres"))
				? POSTGRES_INSERT : MERGE_INSERT;
	}

	/**
	 * Inserts each event unless its id is stored already.
	 * @return for each event, whether this call inserted it
	 */
	boolean[] insertIfAbsent(List<IncomingEvent> events) {
		int[][] counts = this.jdbc.batchUpdate(this.insertIfAbsent, events, events.size(), EVENT_ROW);
		boolean[] inserted = new boolean[events.size()];
		int i = 0;
		for (int[] chunk : counts) {
			for (int count : chunk) {
				inserted[i++] = count > 0;
			}
		}
		return inserted;
	}

	void insertDuplicates(List<IncomingEvent> duplicates) {
		this.jdbc.batchUpdate(
				"insert into inbox_duplicate (event_id, delivery_id, correlation_id, received_at) values (?, ?, ?, ?)",
				duplicates, duplicates.size(), (ps, event) -> {
					ps.setString(1, event.eventId());
					ps.setString(2, event.deliveryId());
					ps.setString(3, event.correlationId());
					ps.setTimestamp(4, Timestamp.from(event.receivedAt()));
				});
	}

	void insertQuarantine(QuarantinedDelivery delivery) {
		this.jdbc.update("insert into inbox_quarantine (reason, content_type, delivery_id, correlation_id, payload, "
				+ "received_at) values (?, ?, ?, ?, ?, ?)", truncate(delivery.reason(), 2000), delivery.contentType(),
				delivery.deliveryId(), delivery.correlationId(), delivery.payload(),
				Timestamp.from(delivery.receivedAt()));
	}

	private static String truncate(String text, int max) {
		return (text.length() <= max) ? text : text.substring(0, max - 1) + "…";
	}

	private static @Nullable String truncateNullable(@Nullable String text, int max) {
		return (text != null) ? truncate(text, max) : null;
	}

	private static final ParameterizedPreparedStatementSetter<IncomingEvent> EVENT_ROW = InboxRepository::setEventRow;

	private static void setEventRow(PreparedStatement ps, IncomingEvent event) throws SQLException {
		ps.setString(1, event.eventId());
		ps.setString(2, truncate(event.event().eventType(), 255));
		ps.setString(3, truncateNullable(event.event().conversationId(), 255));
		ps.setString(4, truncateNullable(event.event().visitorId(), 255));
		ps.setString(5, event.deliveryId());
		ps.setString(6, event.correlationId());
		ps.setString(7, event.contentType());
		ps.setBytes(8, event.payload());
		ps.setTimestamp(9, Timestamp.from(event.receivedAt()));
	}

}
