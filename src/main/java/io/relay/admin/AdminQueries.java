package io.relay.admin;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import io.relay.dispatch.DeliveryStatus;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Read-only queries over the inbox and delivery tables for the admin API (a reporting view: writes go through the
 * modules that own the tables).
 */
@Repository
class AdminQueries {

	private final JdbcTemplate jdbc;

	private final NamedParameterJdbcTemplate named;

	private final TransactionTemplate readOnly;

	AdminQueries(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
		this.jdbc = jdbc;
		this.named = new NamedParameterJdbcTemplate(jdbc);
		this.readOnly = new TransactionTemplate(transactions);
		this.readOnly.setReadOnly(true);
		// One snapshot for every query of a request: at read committed (both databases' default) each would see
		// the events and deliveries stored since the one before.
		this.readOnly.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
	}

	/**
	 * A page of events and the total that matches, from one snapshot: events stored between the two queries made
	 * {@code totalElements} disagree with the content.
	 */
	Listing list(Filter filter, int page, int size) {
		return Objects.requireNonNull(
				this.readOnly.execute((status) -> new Listing(page(filter, page, size), count(filter))));
	}

	record Listing(List<AdminViews.EventSummary> content, long total) {
	}

	record Filter(@Nullable String type, @Nullable DeliveryStatus status, @Nullable String conversationId,
			@Nullable String visitorId, @Nullable Instant from, @Nullable Instant to) {
	}

	/** A page of the quarantine, newest first, and how many it holds, from one snapshot. */
	QuarantineListing quarantine(int page, int size) {
		return Objects.requireNonNull(this.readOnly.execute((status) -> {
			List<AdminViews.QuarantinedSummary> content = this.jdbc.query("select id, received_at, reason, "
					+ "content_type, delivery_id, correlation_id, octet_length(payload) from inbox_quarantine "
					+ "order by id desc offset ? rows fetch next ? rows only",
					(rs, n) -> new AdminViews.QuarantinedSummary(rs.getLong(1), rs.getTimestamp(2).toInstant(),
							rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getInt(7)),
					(long) page * size, size);
			Long total = this.jdbc.queryForObject("select count(*) from inbox_quarantine", Long.class);
			return new QuarantineListing(content, (total != null) ? total : 0);
		}));
	}

	record QuarantineListing(List<AdminViews.QuarantinedSummary> content, long total) {
	}

	/** One quarantined delivery, with its body. */
	Optional<Quarantined> quarantined(long id) {
		return quarantined(id, "");
	}

	/** One quarantined delivery, its row locked until the caller's transaction ends. */
	Optional<Quarantined> quarantinedForUpdate(long id) {
		return quarantined(id, " for update");
	}

	private Optional<Quarantined> quarantined(long id, String lock) {
		return this.jdbc
			.query("select id, received_at, reason, content_type, delivery_id, correlation_id, payload from "
					+ "inbox_quarantine where id = ?" + lock,
					(rs, n) -> new Quarantined(rs.getLong(1), rs.getTimestamp(2).toInstant(), rs.getString(3),
							rs.getString(4), rs.getString(5), rs.getString(6), rs.getBytes(7)),
					id)
			.stream()
			.findFirst();
	}

	record Quarantined(long id, Instant receivedAt, String reason, @Nullable String contentType,
			@Nullable String deliveryId, @Nullable String correlationId, byte[] payload) {

		AdminViews.QuarantinedDetail detail() {
			return new AdminViews.QuarantinedDetail(this.id, this.receivedAt, this.reason, this.contentType,
					this.deliveryId, this.correlationId, text(this.payload, this.contentType));
		}

	}

	/** The instances with a heartbeat on record, last seen first. */
	List<AdminViews.InstanceView> instances() {
		Map<String, Instant> seen = new LinkedHashMap<>();
		Map<String, List<String>> handlers = new LinkedHashMap<>();
		Map<String, List<String>> disabled = new LinkedHashMap<>();
		this.jdbc.query("select instance, handler, seen_at, handler_enabled from dispatch_instance_handler "
				+ "order by seen_at desc, instance, handler", (rs) -> {
					String instance = rs.getString(1);
					String handler = rs.getString(2);
					handlers.computeIfAbsent(instance, (name) -> new ArrayList<>()).add(handler);
					// Null from a build before V49, which runs every handler it lists.
					if (Boolean.FALSE.equals(rs.getObject(4, Boolean.class))) {
						disabled.computeIfAbsent(instance, (name) -> new ArrayList<>()).add(handler);
					}
					// Last seen first: an instance's first row is its latest.
					seen.putIfAbsent(instance, rs.getTimestamp(3).toInstant());
				});
		return seen.entrySet()
			.stream()
			.map((instance) -> new AdminViews.InstanceView(instance.getKey(), instance.getValue(),
					List.copyOf(handlers.get(instance.getKey())),
					List.copyOf(disabled.getOrDefault(instance.getKey(), List.of()))))
			.toList();
	}

	long count(Filter filter) {
		MapSqlParameterSource params = new MapSqlParameterSource();
		Long count = this.named.queryForObject("select count(*) from inbox_event e" + where(filter, params), params,
				Long.class);
		return (count != null) ? count : 0;
	}

	List<AdminViews.EventSummary> page(Filter filter, int page, int size) {
		MapSqlParameterSource params = new MapSqlParameterSource().addValue("offset", (long) page * size)
			.addValue("size", size);
		List<Row> rows = this.named.query("select e.event_id, e.event_type, e.received_at, e.conversation_id, "
				+ "e.visitor_id from inbox_event e" + where(filter, params)
				+ " order by e.id desc offset :offset rows fetch next :size rows only", params,
				(rs, n) -> new Row(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getString(4),
						rs.getString(5)));
		if (rows.isEmpty()) {
			return List.of();
		}
		Map<String, List<AdminViews.DeliverySummary>> deliveries = new LinkedHashMap<>();
		this.named.query("select event_id, id, handler, status from dispatch_delivery where event_id in (:ids) "
				+ "order by id", new MapSqlParameterSource("ids", rows.stream().map(Row::eventId).toList()), (rs) -> {
					deliveries.computeIfAbsent(rs.getString(1), (key) -> new ArrayList<>())
						.add(new AdminViews.DeliverySummary(rs.getLong(2), rs.getString(3), rs.getString(4)));
				});
		return rows.stream()
			.map((row) -> new AdminViews.EventSummary(row.eventId(), row.eventType(), row.receivedAt(),
					row.conversationId(), row.visitorId(), deliveries.getOrDefault(row.eventId(), List.of())))
			.toList();
	}

	Optional<AdminViews.EventDetail> event(String eventId) {
		// One connection and one read-only transaction for the parts: nested queries inside the row mapper held two
		// or three pooled connections per request (a few concurrent calls could starve the intake of its pool).
		return Objects.requireNonNull(this.readOnly.execute((status) -> {
			List<StoredEvent> events = this.jdbc.query("select event_id, event_type, received_at, correlation_id, "
					+ "delivery_id, content_type, payload from inbox_event where event_id = ?",
					(rs, n) -> new StoredEvent(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(),
							rs.getString(4), rs.getString(5), rs.getString(6), rs.getBytes(7)), eventId);
			if (events.isEmpty()) {
				return Optional.<AdminViews.EventDetail>empty();
			}
			StoredEvent event = events.getFirst();
			List<String> deliveryIds = new ArrayList<>();
			if (event.deliveryId() != null) {
				deliveryIds.add(event.deliveryId());
			}
			deliveryIds.addAll(this.jdbc.queryForList("select delivery_id from inbox_duplicate where event_id = ? and "
					+ "delivery_id is not null order by id", String.class, eventId));
			return Optional.of(new AdminViews.EventDetail(event.eventId(), event.eventType(), event.receivedAt(),
					event.correlationId(), deliveryIds, event.contentType(), text(event.payload(), event.contentType()),
					deliveries(eventId), references(eventId)));
		}));
	}

	private record StoredEvent(String eventId, String eventType, Instant receivedAt, @Nullable String correlationId,
			@Nullable String deliveryId, String contentType, byte[] payload) {
	}

	boolean exists(String eventId) {
		Integer count = this.jdbc.queryForObject("select count(*) from inbox_event where event_id = ?", Integer.class,
				eventId);
		return count != null && count > 0;
	}

	private List<AdminViews.DeliveryDetail> deliveries(String eventId) {
		Map<Long, List<AdminViews.AttemptView>> attempts = new LinkedHashMap<>();
		this.jdbc.query("select a.delivery_id, a.attempt, a.instance, a.started_at, a.finished_at, a.outcome, a.error "
				+ "from dispatch_attempt a join dispatch_delivery d on d.id = a.delivery_id where d.event_id = ? "
				+ "order by a.id", (rs) -> {
					attempts.computeIfAbsent(rs.getLong(1), (key) -> new ArrayList<>())
						.add(new AdminViews.AttemptView(rs.getInt(2), rs.getString(3), rs.getTimestamp(4).toInstant(),
								rs.getTimestamp(5).toInstant(), rs.getString(6), rs.getString(7)));
				}, eventId);
		return this.jdbc.query("select id, handler, status, attempts, max_attempts, last_error, next_attempt_at, "
				+ "last_duration_ms from dispatch_delivery where event_id = ? order by id", (rs, n) -> {
					String status = rs.getString(3);
					Timestamp next = rs.getTimestamp(7);
					boolean waiting = "PENDING".equals(status) || "FAILED".equals(status);
					// Read on its own: wasNull() answers for the column read last.
					Long duration = rs.getObject(8, Long.class);
					return new AdminViews.DeliveryDetail(rs.getLong(1), rs.getString(2), status, rs.getInt(4),
							rs.getInt(5), rs.getString(6), (waiting && next != null) ? next.toInstant() : null,
							duration, attempts.getOrDefault(rs.getLong(1), List.of()));
				}, eventId);
	}

	/** The {@code workflow_reference} rows any workflow wrote for the event. */
	private List<AdminViews.ExternalReference> references(String eventId) {
		return this.jdbc.query("select handler, kind, reference_value, created_at from workflow_reference where "
				+ "event_id = ? order by id", (rs, n) -> new AdminViews.ExternalReference(rs.getString(1),
						rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant()), eventId);
	}

	private static String where(Filter filter, MapSqlParameterSource params) {
		List<String> conditions = new ArrayList<>();
		if (filter.type() != null) {
			conditions.add("e.event_type = :type");
			params.addValue("type", filter.type());
		}
		if (filter.conversationId() != null) {
			conditions.add("e.conversation_id = :conversationId");
			params.addValue("conversationId", filter.conversationId());
		}
		if (filter.visitorId() != null) {
			conditions.add("e.visitor_id = :visitorId");
			params.addValue("visitorId", filter.visitorId());
		}
		if (filter.from() != null) {
			conditions.add("e.received_at >= :from");
			params.addValue("from", Timestamp.from(filter.from()));
		}
		if (filter.to() != null) {
			conditions.add("e.received_at < :to");
			params.addValue("to", Timestamp.from(filter.to()));
		}
		if (filter.status() != null) {
			conditions.add("exists (select 1 from dispatch_delivery d where d.event_id = e.event_id and "
					+ "d.status = :status)");
			params.addValue("status", filter.status().name());
		}
		return conditions.isEmpty() ? "" : " where " + String.join(" and ", conditions);
	}

	/** A body as text, in the charset its content type names, else UTF-8; bytes that are not text are replaced. */
	static String text(byte[] payload, @Nullable String contentType) {
		if (contentType == null) {
			return new String(payload, StandardCharsets.UTF_8);
		}
		try {
			MediaType type = MediaType.parseMediaType(contentType);
			return new String(payload, (type.getCharset() != null) ? type.getCharset() : StandardCharsets.UTF_8);
		}
		catch (RuntimeException ex) {
			return new String(payload, StandardCharsets.UTF_8);
		}
	}

	private record Row(String eventId, String eventType, Instant receivedAt, @Nullable String conversationId,
			@Nullable String visitorId) {
	}

}
