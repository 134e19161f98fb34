package io.relay.inbox.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import io.relay.system.Databases;
import io.relay.inbox.IncomingEvent;
import io.relay.inbox.QuarantinedDelivery;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The inbox tables, through plain JDBC.
 */
@Repository
class InboxRepository {

	private static final String COLUMNS = "event_id, event_type, conversation_id, visitor_id, delivery_id, "
			+ "correlation_id, content_type, payload, received_at";

	// PostgreSQL: ON CONFLICT is atomic against concurrent inserts from other instances, and one multi-row
	// statement with RETURNING stores a whole batch in one execution. H2 (embedded, one process) has no ON CONFLICT
	// outside its PostgreSQL mode; its MERGE, batched, gives the same "insert if absent".
	private static final String POSTGRES_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";

	// PostgreSQL takes at most 65,535 parameters in one statement (nine per row).
	private static final int MAX_ROWS_PER_STATEMENT = 1000;

	// And at most 1 GB in one message: a batch of large bodies (up to relay.webhook.max-body-size each, 16 MB at
	// most) is split well below that, which also bounds the driver's buffer for one statement.
	private static final long MAX_PAYLOAD_BYTES_PER_STATEMENT = 64L * 1024 * 1024;

	private static final String MERGE_INSERT = "merge into inbox_event t using (values (?, ?, ?, ?, ?, ?, ?, "
			+ "cast(? as varbinary), cast(? as timestamp with time zone))) s(" + COLUMNS + ") "
			+ "on t.event_id = s.event_id when not matched then insert (" + COLUMNS + ") values (s.event_id, "
			+ "s.event_type, s.conversation_id, s.visitor_id, s.delivery_id, s.correlation_id, s.content_type, "
			+ "s.payload, s.received_at)";

	private final JdbcTemplate jdbc;

	private final boolean postgres;

	InboxRepository(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		this.postgres = Databases.isPostgres(jdbc);
	}

	boolean postgres() {
		return this.postgres;
	}

	/**
	 * Bounds, for the rest of the current transaction, how long an insert waits for another transaction that holds
	 * the same event id uncommitted. On PostgreSQL that is another instance's batch, which commits within
	 * milliseconds, unless that instance stalled or died in the middle of it: then its transaction stays open until
	 * the server notices the dead connection (two hours by default), and an unbounded wait would hold this writer, then
	 * every writer, as iAdvize redelivers the event, and every other delivery would be answered 503. H2 is embedded:
	 * one process, whose own lock timeout applies.
	 */
	void limitLockWait(Duration wait) {
		if (this.postgres) {
			this.jdbc.execute("set local lock_timeout = " + Math.max(1, wait.toMillis()));
		}
	}

	/**
	 * Inserts each event unless its id is stored already. The ids must be distinct.
	 * @return for each event, whether this call inserted it
	 */
	boolean[] insertIfAbsent(List<IncomingEvent> events) {
		// Rows are written in id order, so that two transactions inserting some of the same ids (a redelivery
		// arriving while the first delivery is still in another writer's batch, or at another instance) lock them in
		// the same order and one waits for the other, instead of each holding a row the other needs. In arrival
		// order they deadlocked: under load both batches failed after H2's lock timeout and every delivery in them
		// was answered 503.
		List<Integer> order = IntStream.range(0, events.size()).boxed()
			.sorted(Comparator.comparing((Integer i) -> events.get(i).eventId()))
			.toList();
		List<IncomingEvent> sorted = order.stream().map(events::get).toList();
		boolean[] insertedSorted = this.postgres ? insertIfAbsentReturning(sorted) : mergeIfAbsent(sorted);
		boolean[] inserted = new boolean[events.size()];
		for (int i = 0; i < order.size(); i++) {
			inserted[order.get(i)] = insertedSorted[i];
		}
		return inserted;
	}

	private boolean[] insertIfAbsentReturning(List<IncomingEvent> events) {
		boolean[] result = new boolean[events.size()];
		int from = 0;
		for (List<IncomingEvent> statement : statements(events, MAX_ROWS_PER_STATEMENT,
				MAX_PAYLOAD_BYTES_PER_STATEMENT)) {
			System.arraycopy(insertIfAbsentReturningAtOnce(statement), 0, result, from, statement.size());
			from += statement.size();
		}
		return result;
	}

	/**
	 * Splits events, in order, into runs of at most {@code maxRows} whose payloads add up to at most
	 * {@code maxBytes}; an event larger than that on its own has a run to itself.
	 */
	static List<List<IncomingEvent>> statements(List<IncomingEvent> events, int maxRows, long maxBytes) {
		List<List<IncomingEvent>> statements = new ArrayList<>();
		int from = 0;
		long bytes = 0;
		for (int i = 0; i < events.size(); i++) {
			long size = events.get(i).payload().length;
			if (i > from && (i - from == maxRows || bytes + size > maxBytes)) {
				statements.add(events.subList(from, i));
				from = i;
				bytes = 0;
			}
			bytes += size;
		}
		if (from < events.size()) {
			statements.add(events.subList(from, events.size()));
		}
		return statements;
	}

	private boolean[] insertIfAbsentReturningAtOnce(List<IncomingEvent> events) {
		String sql = "insert into inbox_event (" + COLUMNS + ") values "
				+ String.join(", ", Collections.nCopies(events.size(), POSTGRES_ROW))
				+ " on conflict (event_id) do nothing returning event_id";
		Set<String> inserted = new HashSet<>(this.jdbc.query((connection) -> {
			PreparedStatement ps = connection.prepareStatement(sql);
			for (int i = 0; i < events.size(); i++) {
				setEventRow(ps, events.get(i), i * 9);
			}
			return ps;
		}, (rs, row) -> rs.getString(1)));
		boolean[] result = new boolean[events.size()];
		for (int i = 0; i < events.size(); i++) {
			result[i] = inserted.contains(events.get(i).eventId());
		}
		return result;
	}

	private boolean[] mergeIfAbsent(List<IncomingEvent> events) {
		int[][] counts = this.jdbc.batchUpdate(MERGE_INSERT, events, events.size(),
				(ps, event) -> setEventRow(ps, event, 0));
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
				+ "received_at) values (?, ?, ?, ?, ?, ?)", Databases.text(delivery.reason(), 2000),
				Databases.text(delivery.contentType(), 255),
				delivery.deliveryId(), delivery.correlationId(), delivery.payload(),
				Timestamp.from(delivery.receivedAt()));
	}

	boolean deleteQuarantine(long id) {
		return this.jdbc.update("delete from inbox_quarantine where id = ?", id) > 0;
	}

	private static void setEventRow(PreparedStatement ps, IncomingEvent event, int offset) throws SQLException {
		ps.setString(offset + 1, event.eventId());
		ps.setString(offset + 2, Databases.text(event.event().eventType(), 255));
		ps.setString(offset + 3, Databases.text(event.event().conversationId(), 255));
		ps.setString(offset + 4, Databases.text(event.event().visitorId(), 255));
		ps.setString(offset + 5, event.deliveryId());
		ps.setString(offset + 6, event.correlationId());
		ps.setString(offset + 7, Databases.text(event.contentType(), 255));
		ps.setBytes(offset + 8, event.payload());
		ps.setTimestamp(offset + 9, Timestamp.from(event.receivedAt()));
	}

}
