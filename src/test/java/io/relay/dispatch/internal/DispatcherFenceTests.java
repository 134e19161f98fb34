package io.relay.dispatch.internal;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import ch.qos.logback.classic.Level;
import io.relay.event.EventParser;
import io.relay.event.IAdvizeEvent;
import io.relay.event.PayloadFormat;
import io.relay.inbox.EventsStored;
import io.relay.inbox.IncomingEvent;
import io.relay.support.Fixtures;
import io.relay.support.LogRecorder;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance whose heartbeats have stopped going through may be judged gone by the others, which then take its
 * deliveries over: meanwhile it claims none and starts none (those it has claimed go back to {@code PENDING}, once
 * the database answers), the intake writes its deliveries for any instance, and once a heartbeat goes through again
 * it carries on. On PostgreSQL: on H2 no other instance can judge it.
 */
class DispatcherFenceTests {

	@Test
	void anInstanceThatMayLookGoneClaimsAndStartsNothingUntilAHeartbeatGoesThrough() throws Exception {
		DataSource dataSource = MigratedDatabase.postgres("dispatcher_fence");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		AtomicLong ticks = new AtomicLong();
		DispatchWiring wiring = fenceable(dataSource, repository, ticks);
		InstancePresence presence = wiring.presence();
		presence.beat();
		// The others take its deliveries over after a minute of silence; with a heartbeat to spare, it stops at 50 s.
		ticks.set(Duration.ofSeconds(50).toNanos());
		assertThat(presence.mayLookGone()).isFalse();
		ticks.incrementAndGet();
		assertThat(presence.mayLookGone()).isTrue();

		String pending = wiring.storeEventWithDelivery(jdbc);
		IncomingEvent incoming = event();
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, ?, 'application/json', ?, ?)", incoming.eventId(), incoming.event().eventType(),
				incoming.payload(), Timestamp.from(Instant.now()));
		Dispatcher dispatcher = wiring.dispatcher(wiring.runner());
		DeliveryPlanner planner = wiring.planner(dispatcher, new OrderingLocks(repository));
		// Before the start: the claimer's first look says it at once, and then no more than every 10 s.
		LogRecorder log = LogRecorder.of(Dispatcher.class, Level.WARN);
		dispatcher.start();
		try (log) {
			// Stored by this instance: written PENDING for any instance, not claimed for this one (the fast path).
			wiring.transactions()
				.executeWithoutResult((status) -> planner.plan(new EventsStored(List.of(incoming))));
			// Polled (every 500 ms), never claimed: the claim count only goes up.
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
				assertThat(row(jdbc, pending)).isEqualTo("PENDING 0 0");
				assertThat(row(jdbc, incoming.eventId())).isEqualTo("PENDING 0 0");
			});
			assertThat(log.messages(Level.WARN)).first()
				.asString()
				.startsWith("This instance's heartbeats have not gone through for PT50S or more: it claims and starts "
						+ "no delivery until one does");

			presence.beat();

			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				assertThat(row(jdbc, pending)).isEqualTo("SUCCEEDED 1 1");
				assertThat(row(jdbc, incoming.eventId())).isEqualTo("SUCCEEDED 1 1");
			});
		}
		finally {
			dispatcher.stop();
		}
	}

	@Test
	void aClaimedDeliveryIsNotStartedWhileTheInstanceMayLookGoneAndHandedBackOnceTheDatabaseAnswers() {
		DataSource dataSource = MigratedDatabase.postgres("dispatcher_fence_claimed");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		AtomicBoolean unreachable = new AtomicBoolean();
		AtomicInteger refused = new AtomicInteger();
		DeliveryRepository repository = new DeliveryRepository(jdbc) {

			@Override
			int handBackRunning(String instance, Instant now, long id, int claim) {
				if (unreachable.get()) {
					refused.incrementAndGet();
					throw new CannotGetJdbcConnectionException("the database is out of reach");
				}
				return super.handBackRunning(instance, now, id, claim);
			}

		};
		AtomicLong ticks = new AtomicLong();
		DispatchWiring wiring = fenceable(dataSource, repository, ticks);
		wiring.presence().beat();
		Dispatcher dispatcher = wiring.dispatcher(wiring.runner());
		dispatcher.start();
		try {
			assertThat(dispatcher.reserve(1)).isOne();
			// Claimed by this instance (as by the claimer, or the intake's fast path) and waiting for a worker...
			Fixtures.Event event = Fixtures.withFreshId("user.created.json");
			byte[] payload = event.body().getBytes(StandardCharsets.UTF_8);
			Instant now = Instant.now();
			long id = running(jdbc, event, now, "relay-1", 1);
			// ...when its heartbeats stop going through, and the database answers nothing.
			ticks.set(Duration.ofSeconds(51).toNanos());
			unreachable.set(true);

			dispatcher.submit(new DeliveryRepository.Claimed(id, event.eventId(), "ordered", 1, 1, 10,
					"application/json", payload, now, false, null), now);

			// Not started, and its hand-back refused (by the worker, then by the claimer, which tries again).
			await().atMost(Duration.ofSeconds(10)).until(() -> refused.get() >= 2);
			assertThat(row(jdbc, event.eventId())).isEqualTo("RUNNING 1 1");
			unreachable.set(false);
			wiring.presence().beat();
			// Handed back (its claim not counted as an attempt), claimed again and run once.
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(row(jdbc, event.eventId())).isEqualTo("SUCCEEDED 1 2"));
			assertThat(jdbc.queryForObject("select count(*) from dispatch_attempt where delivery_id = ?",
					Integer.class, id)).isOne();
		}
		finally {
			dispatcher.stop();
		}
	}

	@Test
	void aStopHandsBackADeliveryKeptForItsHandBackAsNotStarted() {
		DataSource dataSource = MigratedDatabase.postgres("dispatcher_fence_stop");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		AtomicInteger refused = new AtomicInteger();
		// The single hand-back keeps failing (a row locked by a lost transaction, say); the stop's release does not.
		DeliveryRepository repository = new DeliveryRepository(jdbc) {

			@Override
			int handBackRunning(String instance, Instant now, long id, int claim) {
				refused.incrementAndGet();
				throw new CannotGetJdbcConnectionException("the database is out of reach");
			}

		};
		AtomicLong ticks = new AtomicLong();
		DispatchWiring wiring = fenceable(dataSource, repository, ticks);
		wiring.presence().beat();
		Dispatcher dispatcher = wiring.dispatcher(wiring.runner());
		dispatcher.start();
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		long id;
		try {
			assertThat(dispatcher.reserve(1)).isOne();
			Instant now = Instant.now();
			id = running(jdbc, event, now, "relay-1", 1);
			ticks.set(Duration.ofSeconds(51).toNanos());
			dispatcher.submit(new DeliveryRepository.Claimed(id, event.eventId(), "ordered", 1, 1, 10,
					"application/json", event.body().getBytes(StandardCharsets.UTF_8), now, false, null), now);
			await().atMost(Duration.ofSeconds(10)).until(() -> refused.get() >= 2);
			assertThat(row(jdbc, event.eventId())).isEqualTo("RUNNING 1 1");
		}
		finally {
			dispatcher.stop();
		}
		// PENDING for any instance, and its attempt given back: it never reached its handler.
		assertThat(row(jdbc, event.eventId())).isEqualTo("PENDING 0 1");
		assertThat(jdbc.queryForObject("select count(*) from dispatch_attempt where delivery_id = ?", Integer.class,
				id)).isZero();
	}

	/**
	 * A delivery that waited (its claim's commit, then a worker) longer than the time to a takeover less a heartbeat
	 * renews its lease before it starts: meanwhile this instance may have been fenced, judged gone and its delivery
	 * claimed by another, then come back. Counted from the claim, not from when the commit came back.
	 */
	@Test
	void aDeliveryClaimedLongerAgoThanATakeoverTakesIsNotStartedOnceClaimedElsewhere() {
		DataSource dataSource = MigratedDatabase.h2("dispatcher_renewal");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		DispatchWiring wiring = DispatchWiring.of(dataSource, repository, Clock.systemUTC());
		Dispatcher dispatcher = wiring.dispatcher(wiring.runner());
		dispatcher.start();
		try {
			Fixtures.Event event = Fixtures.withFreshId("user.created.json");
			byte[] payload = event.body().getBytes(StandardCharsets.UTF_8);
			Instant now = Instant.now();
			// Claimed by this instance 31 s ago (claim 1), then by another instance (claim 2), which runs it.
			long id = running(jdbc, event, now, "another-instance", 2);
			assertThat(dispatcher.reserve(1)).isOne();

			// With the defaults, renewed after min(a tenth of the 5-minute lease, 60 s less 10 s): 30 s.
			dispatcher.submit(new DeliveryRepository.Claimed(id, event.eventId(), "ordered", 1, 1, 10,
					"application/json", payload, now, false, null), now.minusSeconds(31));

			// Its renewal fails (the delivery is the other claim's): left to it, not run here.
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
				.untilAsserted(() -> assertThat(jdbc.queryForObject("select status || ' ' || attempts || ' ' || claims "
						+ "|| ' ' || locked_by from dispatch_delivery where id = ?", String.class, id))
					.isEqualTo("RUNNING 2 2 another-instance"));
			assertThat(jdbc.queryForObject("select count(*) from dispatch_attempt where delivery_id = ?",
					Integer.class, id)).isZero();
		}
		finally {
			dispatcher.stop();
		}
	}

	@Test
	void anInstanceIsNotFencedBeforeAHeartbeatWentThrough() {
		DataSource postgres = MigratedDatabase.postgres("dispatcher_fence_never");
		InstancePresence never = new InstancePresence(new JdbcTemplate(postgres),
				new TransactionTemplate(new DataSourceTransactionManager(postgres)), "relay-1", List.of("ordered"),
				List.of("ordered"), TestDispatchProperties.of(), Clock.systemUTC(), () -> Long.MAX_VALUE);
		// No row: the others leave its deliveries to their leases (SilentInstancesTests), so it need not stop.
		assertThat(never.mayLookGone()).isFalse();
	}

	@Test
	void anInstanceOnH2IsNeverFenced() {
		DataSource h2 = MigratedDatabase.h2("dispatcher_fence_h2");
		AtomicLong ticks = new AtomicLong();
		InstancePresence alone = new InstancePresence(new JdbcTemplate(h2),
				new TransactionTemplate(new DataSourceTransactionManager(h2)), "relay-1", List.of("ordered"),
				List.of("ordered"), TestDispatchProperties.of(), Clock.systemUTC(), ticks::get);
		alone.beat();
		ticks.set(Long.MAX_VALUE / 2);
		// No other process can use its database: only a later start of this one judges it, once it is gone.
		assertThat(alone.mayLookGone()).isFalse();
	}

	/** The default wiring, with a presence named 'relay-1' whose heartbeats are timed by {@code ticks}. */
	private static DispatchWiring fenceable(DataSource dataSource, DeliveryRepository repository, AtomicLong ticks) {
		DispatchWiring defaults = DispatchWiring.of(dataSource, repository, Clock.systemUTC());
		InstancePresence presence = new InstancePresence(new JdbcTemplate(dataSource),
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)), "relay-1", List.of("ordered"),
				List.of("ordered"), defaults.properties(), Clock.systemUTC(), ticks::get);
		return new DispatchWiring(repository, defaults.transactions(), defaults.properties(), defaults.handlers(),
				presence, Clock.systemUTC());
	}

	/**
	 * Stores {@code event} and its delivery to 'ordered', {@code RUNNING} under {@code instance}'s lease at its
	 * {@code claim}-th claim (as many attempts), claimed at {@code now}; returns the delivery's id.
	 */
	private static long running(JdbcTemplate jdbc, Fixtures.Event event, Instant now, String instance, int claim) {
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'user.created', 'application/json', ?, ?)", event.eventId(),
				event.body().getBytes(StandardCharsets.UTF_8), Timestamp.from(now));
		jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, claims, max_attempts, "
				+ "next_attempt_at, locked_by, locked_until, created_at, updated_at) values (?, 'ordered', 'RUNNING', "
				+ "?, ?, 10, ?, ?, ?, ?, ?)", event.eventId(), claim, claim, Timestamp.from(now), instance,
				Timestamp.from(now.plus(Duration.ofMinutes(5))), Timestamp.from(now), Timestamp.from(now));
		return jdbc.queryForObject("select id from dispatch_delivery where event_id = ?", Long.class, event.eventId());
	}

	/** Status, attempts and claims. */
	private static String row(JdbcTemplate jdbc, String eventId) {
		return jdbc.queryForObject("select status || ' ' || attempts || ' ' || claims from dispatch_delivery where "
				+ "event_id = ?", String.class, eventId);
	}

	private static IncomingEvent event() throws Exception {
		byte[] body = Fixtures.withFreshId("user.created.json").body().getBytes(StandardCharsets.UTF_8);
		IAdvizeEvent event = new EventParser().parse(body, PayloadFormat.JSON, null, null);
		return new IncomingEvent(event, "application/json", body, null, null, Instant.now());
	}

}
