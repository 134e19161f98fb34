package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import ch.qos.logback.classic.Level;
import io.relay.support.LogRecorder;
import io.relay.support.MigratedDatabase;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionCallback;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class InstancePresenceTests {

	private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

	private final MutableClock clock = new MutableClock(NOW);

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void writesEveryHandlerOfThisInstanceAndThenMovesTheirTime(String database) {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of(database, "heartbeat"));
		InstancePresence heartbeat = heartbeat(jdbc, "relay-1", List.of("log", "crm"), Duration.ofMinutes(5));

		heartbeat.beat();
		assertThat(seen(jdbc, "relay-1")).containsOnlyKeys("log", "crm").containsValue(NOW);

		this.clock.advance(Duration.ofSeconds(10));
		heartbeat.beat();
		assertThat(seen(jdbc, "relay-1")).containsOnlyKeys("log", "crm")
			.allSatisfy((handler, seenAt) -> assertThat(seenAt).isEqualTo(NOW.plusSeconds(10)));
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void writesItsRowsAgainWhenAnotherInstanceDeletedThem(String database) {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of(database, "heartbeat"));
		InstancePresence heartbeat = heartbeat(jdbc, "relay-1", List.of("log", "crm"), Duration.ofMinutes(5));
		heartbeat.beat();
		// This instance could not write for longer than the others keep rows: they deleted one.
		jdbc.update("delete from dispatch_instance_handler where handler = 'crm'");

		this.clock.advance(Duration.ofSeconds(10));
		heartbeat.beat();

		assertThat(seen(jdbc, "relay-1")).containsOnlyKeys("log", "crm")
			.allSatisfy((handler, seenAt) -> assertThat(seenAt).isEqualTo(NOW.plusSeconds(10)));
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void deletesTheRowsOfInstancesGoneForTwiceTheirPresenceAndAnHourAtLeast(String database) {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of(database, "heartbeat"));
		row(jdbc, "stopped-an-hour-ago", "log", NOW.minus(Duration.ofHours(1)).plusSeconds(1));
		row(jdbc, "gone", "log", NOW.minus(Duration.ofHours(1)).minusSeconds(1));

		heartbeat(jdbc, "relay-1", List.of("log"), Duration.ofMinutes(5)).beat();
		assertThat(instances(jdbc)).containsExactlyInAnyOrder("relay-1", "stopped-an-hour-ago");

		// A grace of one hour: an instance counts as running for an hour, its rows are kept for two.
		heartbeat(jdbc, "relay-2", List.of("log"), Duration.ofHours(1)).beat();
		assertThat(instances(jdbc)).containsExactlyInAnyOrder("relay-1", "relay-2", "stopped-an-hour-ago");
		this.clock.advance(Duration.ofHours(1).plusSeconds(2));
		heartbeat(jdbc, "relay-2", List.of("log"), Duration.ofHours(1)).beat();
		assertThat(instances(jdbc)).containsExactlyInAnyOrder("relay-1", "relay-2");
	}

	@Test
	void knowsTheHandlersOnlyOtherRunningInstancesHaveOnPostgres() {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of("postgres", "heartbeat"));
		row(jdbc, "upgraded", "log", NOW.minusSeconds(10));
		row(jdbc, "upgraded", "crm", NOW.minusSeconds(10));
		row(jdbc, "rolled-back", "ticket", NOW.minus(Duration.ofMinutes(5)).minusSeconds(1));
		// A build from before V46 would run a delivery planned here without its filter.
		jdbc.update("insert into dispatch_instance_handler (instance, handler, seen_at) values ('older-build', 'lead', "
				+ "?)", Timestamp.from(NOW.minusSeconds(10)));
		jdbc.update("update dispatch_instance_handler set handler_enabled = true where instance = 'upgraded'");
		// Disabled there: its deliveries would end SKIPPED.
		jdbc.update("update dispatch_instance_handler set handler_enabled = false where handler = 'crm'");
		row(jdbc, "also-upgraded", "ticket", NOW.minusSeconds(10));
		// From before V49: says nothing of it.
		row(jdbc, "older-v48", "survey", NOW.minusSeconds(10));
		InstancePresence presence = new InstancePresence(jdbc, transactions(jdbc), "relay-1", List.of("log", "paused"),
				List.of("log"), properties(Duration.ofMinutes(5), Duration.ofSeconds(10)), this.clock);
		assertThat(presence.othersHandlers()).isEmpty();

		presence.beat();

		// 'log' is its own; 'crm' is disabled where it is; 'ticket' is only on an instance seen within the grace
		// (the other one was last seen before it); 'survey' is on a build from before V49 (enabled, as it says
		// nothing); 'lead' only an older build than V46 has.
		assertThat(presence.othersHandlers()).containsExactlyInAnyOrder("survey", "ticket");
		Map<String, Boolean> written = new java.util.HashMap<>();
		jdbc.query("select handler, applies_filter_at_run, handler_enabled from dispatch_instance_handler where "
				+ "instance = 'relay-1'", (rs) -> {
					assertThat(rs.getBoolean(2)).isTrue();
					written.put(rs.getString(1), rs.getBoolean(3));
				});
		assertThat(written).containsExactlyInAnyOrderEntriesOf(Map.of("log", true, "paused", false));

		// Read now rather than at the last heartbeat: an instance started since.
		row(jdbc, "started-since", "lead", NOW);
		assertThat(presence.othersHandlers()).doesNotContain("lead");
		assertThat(presence.othersHandlersNow()).containsExactlyInAnyOrder("survey", "ticket", "lead");
	}

	@Test
	void plansForNoOtherInstanceOnH2() {
		// H2's file belongs to one process: rows left by an earlier run of it are no other running instance.
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of("h2", "heartbeat"));
		row(jdbc, "earlier-run", "crm", NOW.minusSeconds(10));
		InstancePresence presence = heartbeat(jdbc, "relay-1", List.of("log"), Duration.ofMinutes(5));

		presence.beat();

		assertThat(presence.othersHandlers()).isEmpty();
	}

	@Test
	void aFailedHeartbeatIsLoggedAndTheNextOneTriesAgain() {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of("h2", "heartbeat"));
		InstancePresence heartbeat = heartbeat(jdbc, "relay-1", List.of("log"), Duration.ofMinutes(5));
		jdbc.execute("alter table dispatch_instance_handler rename to moved");
		try (LogRecorder log = LogRecorder.of(InstancePresence.class, Level.WARN)) {
			heartbeat.beat();
			assertThat(log.messages(Level.WARN)).singleElement()
				.asString()
				.startsWith("Could not write this instance's heartbeat (will try again in PT10S)");
		}

		jdbc.execute("alter table moved rename to dispatch_instance_handler");
		heartbeat.beat();
		assertThat(seen(jdbc, "relay-1")).containsOnly(Map.entry("log", NOW));
	}

	@Test
	void beatsFromItsStartUntilItsStop() {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of("h2", "heartbeat"));
		InstancePresence heartbeat = new InstancePresence(jdbc, transactions(jdbc), "relay-1", List.of("log"),
				properties(Duration.ofMinutes(5), Duration.ofMillis(100)), this.clock);

		heartbeat.start();
		// Written before start() returns: before this instance stores any event.
		assertThat(seen(jdbc, "relay-1")).containsOnly(Map.entry("log", NOW));
		assertThat(heartbeat.isRunning()).isTrue();

		this.clock.advance(Duration.ofSeconds(1));
		await().untilAsserted(() -> assertThat(seen(jdbc, "relay-1")).containsOnly(Map.entry("log",
				NOW.plusSeconds(1))));

		heartbeat.stop();
		assertThat(heartbeat.isRunning()).isFalse();
		this.clock.advance(Duration.ofSeconds(1));
		await().during(Duration.ofMillis(500))
			.atMost(Duration.ofSeconds(2))
			.untilAsserted(() -> assertThat(seen(jdbc, "relay-1")).containsOnly(Map.entry("log",
					NOW.plusSeconds(1))));
	}

	@Test
	void anErrorInAHeartbeatDoesNotEndTheHeartbeats() {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of("h2", "heartbeat"));
		AtomicInteger beats = new AtomicInteger();
		TransactionTemplate secondFails = new TransactionTemplate(new JdbcTransactionManager(jdbc.getDataSource())) {

			@Override
			public <T> T execute(TransactionCallback<T> action) {
				if (beats.incrementAndGet() == 2) {
					throw new NoClassDefFoundError("io/relay/Missing");
				}
				return super.execute(action);
			}

		};
		InstancePresence heartbeat = new InstancePresence(jdbc, secondFails, "relay-1", List.of("log"),
				properties(Duration.ofMinutes(5), Duration.ofMillis(100)), this.clock);
		try (LogRecorder log = LogRecorder.of(InstancePresence.class, Level.ERROR)) {
			heartbeat.start();
			this.clock.advance(Duration.ofSeconds(1));

			await().untilAsserted(() -> assertThat(seen(jdbc, "relay-1")).containsOnly(Map.entry("log",
					NOW.plusSeconds(1))));
			assertThat(beats).hasValueGreaterThan(2);
			assertThat(log.messages(Level.ERROR)).containsExactly("Heartbeat failed (will try again in PT0.1S)");
		}
		finally {
			heartbeat.stop();
		}
	}

	@Test
	void claimsTakeTheDeliveriesOfItsOwnHandlersAndOthersOnlyOnceDueForTheGraceAndNoInstanceHasThem() {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of("h2", "heartbeat"));
		// A grace of one minute and heartbeats every 30 seconds: an instance counts as running for 90 seconds.
		InstancePresence presence = new InstancePresence(jdbc, transactions(jdbc), "relay-1", List.of("log"),
				properties(Duration.ofMinutes(1), Duration.ofSeconds(30)), this.clock);
		presence.beat();
		this.clock.advance(Duration.ofSeconds(90));
		presence.beat();

		DeliveryRepository.ClaimScope scope = presence.claimScope(this.clock.instant());

		assertThat(scope.handlers()).containsExactly("log");
		assertThat(scope.othersDueBefore()).isEqualTo(this.clock.instant().minus(Duration.ofMinutes(1)));
		assertThat(scope.othersSeenSince()).isEqualTo(this.clock.instant().minus(Duration.ofSeconds(90)));
	}

	@Test
	void judgesOthersGoneOnlyAfterThreeHeartbeatsInARowOfItsOwn() {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of("h2", "heartbeat"));
		InstancePresence presence = heartbeat(jdbc, "relay-1", List.of("log"), Duration.ofMinutes(5));
		// Not before its first heartbeat (the database may be out of reach), nor right after it (just started).
		assertThat(presence.claimScope(NOW).othersDueBefore()).isEqualTo(Instant.EPOCH);
		presence.beat();
		assertThat(presence.claimScope(NOW).othersDueBefore()).isEqualTo(Instant.EPOCH);
		for (int beat = 1; beat <= 3; beat++) {
			this.clock.advance(Duration.ofSeconds(10));
			presence.beat();
		}
		Instant now = this.clock.instant();
		assertThat(presence.claimScope(now).othersDueBefore()).isEqualTo(now.minus(Duration.ofMinutes(5)));

		// Its heartbeats stopped going through (the database is out of reach: the others' cannot either).
		assertThat(presence.claimScope(now.plusSeconds(31)).othersDueBefore()).isEqualTo(Instant.EPOCH);
		jdbc.execute("alter table dispatch_instance_handler rename to moved");
		this.clock.advance(Duration.ofSeconds(10));
		presence.beat();
		assertThat(presence.claimScope(this.clock.instant()).othersDueBefore()).isEqualTo(Instant.EPOCH);

		// Back: three heartbeats again before it judges.
		jdbc.execute("alter table moved rename to dispatch_instance_handler");
		this.clock.advance(Duration.ofSeconds(10));
		presence.beat();
		this.clock.advance(Duration.ofSeconds(20));
		presence.beat();
		assertThat(presence.claimScope(this.clock.instant()).othersDueBefore()).isEqualTo(Instant.EPOCH);
		this.clock.advance(Duration.ofSeconds(10));
		presence.beat();
		now = this.clock.instant();
		assertThat(presence.claimScope(now).othersDueBefore()).isEqualTo(now.minus(Duration.ofMinutes(5)));
	}

	private InstancePresence heartbeat(JdbcTemplate jdbc, String instance, List<String> handlers, Duration grace) {
		return new InstancePresence(jdbc, transactions(jdbc), instance, handlers,
				properties(grace, Duration.ofSeconds(10)), this.clock);
	}

	private static TransactionTemplate transactions(JdbcTemplate jdbc) {
		return new TransactionTemplate(new JdbcTransactionManager(jdbc.getDataSource()));
	}

	private static DispatchProperties properties(Duration grace, Duration heartbeatInterval) {
		return TestDispatchProperties.of("unknown-handler-grace=" + grace,
				"heartbeat-interval=" + heartbeatInterval);
	}

	private static void row(JdbcTemplate jdbc, String instance, String handler, Instant seenAt) {
		jdbc.update("insert into dispatch_instance_handler (instance, handler, seen_at, applies_filter_at_run) values "
				+ "(?, ?, ?, true)", instance, handler, Timestamp.from(seenAt));
	}

	private static Map<String, Instant> seen(JdbcTemplate jdbc, String instance) {
		Map<String, Instant> seen = new java.util.HashMap<>();
		jdbc.query("select handler, seen_at from dispatch_instance_handler where instance = ?",
				(rs) -> {
					seen.put(rs.getString(1), rs.getTimestamp(2).toInstant());
				}, instance);
		return seen;
	}

	private static List<String> instances(JdbcTemplate jdbc) {
		return jdbc.queryForList("select distinct instance from dispatch_instance_handler", String.class);
	}

}
