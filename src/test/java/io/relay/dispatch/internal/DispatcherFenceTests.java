package io.relay.dispatch.internal;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An instance whose heartbeats have stopped going through may be judged gone by the others, which then take its
 * deliveries over: meanwhile it claims none and starts none (those it has claimed go back to {@code PENDING}), and
 * once a heartbeat goes through again it carries on.
 */
class DispatcherFenceTests {

	@Test
	void anInstanceThatMayLookGoneClaimsAndStartsNothingUntilAHeartbeatGoesThrough() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("dispatcher_fence");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		DispatchWiring defaults = DispatchWiring.of(dataSource, repository, Clock.systemUTC());
		AtomicLong ticks = new AtomicLong();
		InstancePresence presence = new InstancePresence(jdbc,
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)), "relay-1", List.of("ordered"),
				List.of("ordered"), defaults.properties(), Clock.systemUTC(), ticks::get);
		DispatchWiring wiring = new DispatchWiring(repository, defaults.transactions(), defaults.properties(),
				defaults.handlers(), presence, Clock.systemUTC());
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
		dispatcher.start();
		try (LogRecorder log = LogRecorder.of(Dispatcher.class, Level.WARN)) {
			// Stored by this instance: planned claimed for it (the fast path), then not started but handed back.
			wiring.transactions()
				.executeWithoutResult((status) -> planner.plan(new EventsStored(List.of(incoming))));
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(row(jdbc, incoming.eventId())).isEqualTo("PENDING 0"));
			// Polled (every 500 ms), but not claimed.
			await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).untilAsserted(() -> {
				assertThat(row(jdbc, pending)).isEqualTo("PENDING 0");
				assertThat(row(jdbc, incoming.eventId())).isEqualTo("PENDING 0");
			});
			assertThat(log.messages(Level.WARN)).first()
				.asString()
				.startsWith("This instance's heartbeats have not gone through for PT50S or more: it claims and starts "
						+ "no delivery until one does");

			presence.beat();

			await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
				assertThat(row(jdbc, pending)).isEqualTo("SUCCEEDED 1");
				assertThat(row(jdbc, incoming.eventId())).isEqualTo("SUCCEEDED 1");
			});
		}
		finally {
			dispatcher.stop();
		}
	}

	@Test
	void anInstanceWhoseHeartbeatsNeverWentThroughIsNotJudgedByThem() {
		DataSource dataSource = MigratedDatabase.h2("dispatcher_fence_never");
		InstancePresence presence = new InstancePresence(new JdbcTemplate(dataSource),
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)), "relay-1", List.of("ordered"),
				List.of("ordered"), TestDispatchProperties.of(), Clock.systemUTC(), () -> Long.MAX_VALUE);
		// No row: the others leave its deliveries to their leases (SilentInstancesTests), so it need not stop.
		assertThat(presence.mayLookGone()).isFalse();
	}

	private static String row(JdbcTemplate jdbc, String eventId) {
		return jdbc.queryForObject("select status || ' ' || attempts from dispatch_delivery where event_id = ?",
				String.class, eventId);
	}

	private static IncomingEvent event() throws Exception {
		byte[] body = Fixtures.withFreshId("user.created.json").body().getBytes(StandardCharsets.UTF_8);
		IAdvizeEvent event = new EventParser().parse(body, PayloadFormat.JSON, null, null);
		return new IncomingEvent(event, "application/json", body, null, null, Instant.now());
	}

}
