package io.relay.dispatch.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import javax.sql.DataSource;

import io.relay.dispatch.DeliveryStatus;
import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.test.context.bean.override.convention.TestBean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:file:./target/h2/retention-${random.uuid};WRITE_DELAY=0", "relay.retention=30d" })
class RetentionPurgeTests {

	/** The tests run the purge themselves: a scheduled run at the same time would make theirs skip. */
	@TestBean(name = "retentionPurgeSchedule", methodName = "noScheduledPurge")
	SchedulingConfigurer retentionPurgeSchedule;

	@LocalServerPort
	int port;

	@Autowired
	RetentionPurge purge;

	@Autowired
	DispatchService service;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	DataSource dataSource;

	static SchedulingConfigurer noScheduledPurge() {
		return (tasks) -> {
		};
	}

	@Test
	void oldFinishedEventsArePurgedAndUnfinishedOnesKept() {
		WebhookClient client = WebhookClient.onPort(this.port);
		Fixtures.Event finished = Fixtures.withFreshId("user.created.json");
		Fixtures.Event unfinished = Fixtures.withFreshId("user.updated.json");
		Fixtures.Event recent = Fixtures.withFreshId("user.connected.json");
		for (Fixtures.Event event : new Fixtures.Event[] { finished, unfinished, recent }) {
			assertThat(client.deliver(event.body()).statusCode()).isEqualTo(202);
		}
		await().until(() -> this.jdbc.queryForObject("select count(*) from dispatch_delivery where event_id in (?, ?, ?)"
				+ " and status = 'SUCCEEDED'", Integer.class, finished.eventId(), unfinished.eventId(),
				recent.eventId()) == 3);
		List<Long> finishedDeliveries = deliveriesOf(finished.eventId());
		List<Long> keptDeliveries = deliveriesOf(unfinished.eventId(), recent.eventId());
		assertThat(attemptsOf(finishedDeliveries)).isEqualTo(finishedDeliveries.size()).isPositive();
		Timestamp old = Timestamp.from(Instant.now().minus(40, ChronoUnit.DAYS));
		this.jdbc.update("update inbox_event set received_at = ? where event_id in (?, ?)", old, finished.eventId(),
				unfinished.eventId());
		// Still waiting for a retry, far in the future: must survive the purge.
		this.jdbc.update("update dispatch_delivery set status = 'FAILED', next_attempt_at = ? where event_id = ?",
				Timestamp.from(Instant.now().plus(1, ChronoUnit.DAYS)), unfinished.eventId());

		// A request body an outbound workflow kept for the event (personal data): goes with it.
		this.jdbc.update("insert into outbound_request (idempotency_key, event_id, body, attempts, created_at) values "
				+ "(?, ?, ?, 1, ?)", finished.eventId() + ":lead", finished.eventId(), "{}".getBytes(), old);

		assertThat(this.purge.run()).isGreaterThanOrEqualTo(1);

		assertThat(exists(finished.eventId())).isFalse();
		assertThat(this.jdbc.queryForObject("select count(*) from dispatch_delivery where event_id = ?", Integer.class,
				finished.eventId()))
			.isZero();
		// Nothing of the purged event left behind (the dispatch tables have no foreign keys: decision 0007).
		assertThat(attemptsOf(finishedDeliveries)).isZero();
		assertThat(this.jdbc.queryForObject("select count(*) from outbound_request where event_id = ?", Integer.class,
				finished.eventId()))
			.isZero();
		assertThat(attemptsOf(keptDeliveries)).isEqualTo(keptDeliveries.size());
		assertThat(exists(unfinished.eventId())).isTrue();
		assertThat(exists(recent.eventId())).isTrue();
	}

	@Test
	void oldQuarantinedDeliveriesArePurgedToo() {
		String old = UUID.randomUUID().toString();
		String recent = UUID.randomUUID().toString();
		for (String id : List.of(old, recent)) {
			this.jdbc.update("insert into inbox_quarantine (reason, content_type, delivery_id, payload, received_at) "
					+ "values ('not JSON', 'application/json', ?, ?, ?)", id, "{".getBytes(), Timestamp.from(
							Instant.now().minus(id.equals(old) ? 40 : 1, ChronoUnit.DAYS)));
		}

		this.purge.run();

		assertThat(this.jdbc.queryForList("select delivery_id from inbox_quarantine where delivery_id in (?, ?)",
				String.class, old, recent))
			.containsExactly(recent);
	}

	@Test
	void aDeliveryWhoseEventIsGoneIsDroppedByTheClaimInsteadOfClaimedForever() {
		long orphan = insertOrphan("PENDING");

		await().atMost(Duration.ofSeconds(30)).until(() -> this.jdbc.queryForObject(
				"select count(*) from dispatch_delivery where id = ?", Integer.class, orphan) == 0);
		assertThat(attemptsOf(List.of(orphan))).isZero();
	}

	@Test
	void replaysLeaveDeliveriesWhoseEventIsGoneAlone() {
		long orphan = insertOrphan("DEAD");
		String eventId = this.jdbc.queryForObject("select event_id from dispatch_delivery where id = ?", String.class,
				orphan);

		assertThat(this.service.replayEvent(eventId, null).count()).isZero();
		this.service.replayAll(DeliveryStatus.DEAD, null);

		assertThat(this.jdbc.queryForObject("select status from dispatch_delivery where id = ?", String.class, orphan))
			.isEqualTo("DEAD");
	}

	/** A delivery (with one attempt) of an event that no longer exists, as an older Relay's purge could leave. */
	long insertOrphan(String status) {
		String eventId = "gone-" + UUID.randomUUID();
		Timestamp now = Timestamp.from(Instant.now());
		this.jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, "
				+ "next_attempt_at, created_at, updated_at) values (?, 'log', ?, 1, 10, ?, ?, ?)", eventId, status, now,
				now, now);
		long id = this.jdbc.queryForObject("select id from dispatch_delivery where event_id = ?", Long.class, eventId);
		this.jdbc.update("insert into dispatch_attempt (delivery_id, attempt, instance, started_at, finished_at, "
				+ "outcome) values (?, 1, 'old', ?, ?, 'FAILED')", id, now, now);
		return id;
	}

	@Test
	void dispatchTablesHaveNoForeignKeysAndTheOtherTablesKeepTheirs() throws SQLException {
		assertThat(foreignKeys("dispatch_delivery")).isEmpty();
		assertThat(foreignKeys("dispatch_attempt")).isEmpty();
		assertThat(foreignKeys("inbox_duplicate")).containsExactly("inbox_event");
		assertThat(foreignKeys("workflow_reference")).containsExactly("inbox_event");
		assertThat(foreignKeys("outbound_request")).containsExactly("inbox_event");
	}

	/** The tables the foreign keys of this table reference. */
	private List<String> foreignKeys(String table) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			DatabaseMetaData metadata = connection.getMetaData();
			String stored = metadata.storesUpperCaseIdentifiers() ? table.toUpperCase(Locale.ROOT) : table;
			List<String> referenced = new ArrayList<>();
			try (ResultSet keys = metadata.getImportedKeys(connection.getCatalog(), connection.getSchema(), stored)) {
				while (keys.next()) {
					referenced.add(keys.getString("PKTABLE_NAME").toLowerCase(Locale.ROOT));
				}
			}
			return referenced;
		}
	}

	private List<Long> deliveriesOf(String... eventIds) {
		return new NamedParameterJdbcTemplate(this.jdbc).queryForList("select id from dispatch_delivery where "
				+ "event_id in (:ids)", new MapSqlParameterSource("ids", List.of(eventIds)), Long.class);
	}

	private int attemptsOf(List<Long> deliveries) {
		return new NamedParameterJdbcTemplate(this.jdbc).queryForObject("select count(*) from dispatch_attempt where "
				+ "delivery_id in (:ids)", new MapSqlParameterSource("ids", deliveries), Integer.class);
	}

	boolean exists(String eventId) {
		return this.jdbc.queryForObject("select count(*) from inbox_event where event_id = ?", Integer.class,
				eventId) == 1;
	}

}
