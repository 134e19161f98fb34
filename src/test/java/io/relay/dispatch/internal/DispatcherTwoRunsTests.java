package io.relay.dispatch.internal;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.Fixtures;
import io.relay.support.MigratedDatabase;
import io.relay.support.RecordingHandler;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two runs of one delivery in their handlers on one instance: a run that outlived its lease, and the run of the
 * claim that took the delivery again.
 */
class DispatcherTwoRunsTests {

	@Test
	void aRunStillInItsHandlerAtTheStopKeepsItsLeaseWhenTheOlderRunOfItsDeliveryEndedFirst() {
		DataSource dataSource = MigratedDatabase.of("h2", "two_runs");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		DispatchWiring wiring = DispatchWiring.of(dataSource, repository, Clock.systemUTC())
			.withShutdownTimeout(Duration.ofSeconds(1));
		Set<Integer> inHandler = ConcurrentHashMap.newKeySet();
		CountDownLatch olderEnds = new CountDownLatch(1);
		CountDownLatch newerEnds = new CountDownLatch(1);
		// Each run waits in its handler, deaf to interrupts, until the test lets it go.
		DeliveryRunner runner = new DeliveryRunner(wiring.handlers(),
				new DispatchMetrics(new SimpleMeterRegistry(), repository, wiring.clock()), wiring.clock()) {

			@Override
			DeliveryRepository.Completion run(DeliveryRepository.Claimed claimed, BooleanSupplier stopping) {
				inHandler.add(claimed.claim());
				RecordingHandler.awaitIgnoringInterrupts((claimed.claim() == 1) ? olderEnds : newerEnds);
				return super.run(claimed, stopping);
			}

		};
		Dispatcher dispatcher = wiring.dispatcher(runner);
		dispatcher.start();
		try {
			Fixtures.Event event = Fixtures.withFreshId("user.created.json");
			byte[] body = event.body().getBytes(StandardCharsets.UTF_8);
			Instant now = Instant.now();
			jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
					+ "(?, 'user.created', 'application/json', ?, ?)", event.eventId(), body, Timestamp.from(now));
			long id = wiring.transactions()
				.execute((status) -> repository.insertClaimed(
						List.of(new DeliveryRepository.NewDelivery(event.eventId(), "ordered", null, 10)), now,
						dispatcher.instance(), now.plus(Duration.ofMinutes(5))))
				.keySet()
				.iterator()
				.next();
			assertThat(dispatcher.reserve(1)).isOne();
			dispatcher.submit(run(id, event, body, 1), now);
			await().until(() -> inHandler.contains(1));
			// Its lease expired, and this instance claimed the delivery again: a second run of it.
			jdbc.update("update dispatch_delivery set attempts = 2, claims = 2, locked_until = ? where id = ?",
					Timestamp.from(now.plus(Duration.ofMinutes(10))), id);
			assertThat(dispatcher.reserve(1)).isOne();
			dispatcher.submit(run(id, event, body, 2), now);
			await().until(() -> inHandler.contains(2));

			// The older run returns first (its outcome is not applied: the delivery is the newer claim's).
			olderEnds.countDown();
			await().until(() -> jdbc.queryForObject("select count(*) from dispatch_attempt where delivery_id = ?",
					Integer.class, id) == 1);
			// The stop interrupts the newer run, which does not stop: it keeps its delivery leased.
			dispatcher.stop();

			assertThat(jdbc.queryForObject("select status || ' ' || attempts || ' ' || coalesce(locked_by, '-') from "
					+ "dispatch_delivery where id = ?", String.class, id))
				.isEqualTo("RUNNING 2 " + dispatcher.instance());
		}
		finally {
			olderEnds.countDown();
			newerEnds.countDown();
			if (dispatcher.isRunning()) {
				dispatcher.stop();
			}
		}
	}

	/** The run of claim {@code claim} of delivery {@code id}, its attempt number the claim's. */
	private static DeliveryRepository.Claimed run(long id, Fixtures.Event event, byte[] body, int claim) {
		return new DeliveryRepository.Claimed(id, event.eventId(), "ordered", claim, claim, 10, "application/json",
				body, Instant.now(), false, null);
	}

}
