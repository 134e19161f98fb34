package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.dispatch.Delivery;
import io.relay.dispatch.DeliveryStatus;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.IAdvizeEvent;
import io.relay.event.Platform;
import io.relay.event.UnknownEvent;
import ch.qos.logback.classic.Level;
import io.relay.support.LogRecorder;
import io.relay.support.MigratedDatabase;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What a handler's way of ending makes of its delivery, on its last attempt (1 of 1), where a retry is dead.
 */
class DeliveryRunnerTests {

	private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

	private static final DeliveryRepository repository = new DeliveryRepository(
			new JdbcTemplate(MigratedDatabase.h2("delivery-runner")));

	@AfterEach
	void clearInterrupt() {
		Thread.interrupted();
	}

	@Test
	void anyErrorButTheJvmsOwnIsAFailureWithItsMessage() {
		DeliveryRepository.Completion completion = run(() -> {
			throw new Error("kotlin.NotImplementedError: An operation is not implemented");
		});
		assertThat(completion.status()).isEqualTo(DeliveryStatus.DEAD);
		assertThat(completion.error()).isEqualTo("gave up after 1 attempts: Error: kotlin.NotImplementedError: An "
				+ "operation is not implemented");
	}

	@Test
	void theJvmsOwnErrorsAreNotSwallowed() {
		assertThatExceptionOfType(OutOfMemoryError.class).isThrownBy(() -> run(() -> {
			throw new OutOfMemoryError("Java heap space");
		}));
	}

	@Test
	void aHandlerInterruptedByAShutdownOnItsLastAttemptIsNotDead() {
		DeliveryRepository.Completion completion = run(() -> {
			throw new InterruptedException();
		}, true);
		assertThat(completion.status()).isEqualTo(DeliveryStatus.FAILED);
		assertThat(completion.nextAttemptAt()).isEqualTo(NOW);
		assertThat(completion.error()).startsWith("interrupted by a shutdown");
	}

	@Test
	void aHandlerThatSwallowedTheShutdownsInterruptIsNotDeadEither() {
		// It caught the InterruptedException and returned a retry: the thread's interrupt flag is clear.
		DeliveryRepository.Completion completion = run(() -> {
			Thread.currentThread().interrupt(); // the shutdown's, while the handler waits for its CRM
			try {
				new CountDownLatch(1).await();
				throw new AssertionError("the wait was not interrupted");
			}
			catch (InterruptedException ex) {
				return HandlerResult.retry("interrupted while calling the CRM");
			}
		}, true);
		assertThat(Thread.currentThread().isInterrupted()).isFalse();
		assertThat(completion.status()).isEqualTo(DeliveryStatus.FAILED);
		assertThat(completion.nextAttemptAt()).isEqualTo(NOW);
		assertThat(completion.error()).isEqualTo("interrupted by a shutdown: interrupted while calling the CRM");
	}

	@Test
	void anInterruptedExceptionWithoutAShutdownIsAFailureLikeAnyOther() {
		// Else a handler that throws it of its own accord would run again at once, for ever.
		DeliveryRepository.Completion completion = run(() -> {
			throw new InterruptedException("from a library");
		}, false);
		assertThat(completion.status()).isEqualTo(DeliveryStatus.DEAD);
	}

	@Test
	void aDeliveryForAHandlerThisInstanceDoesNotHaveIsSkippedSayingWhy() {
		// Claimed only once due for relay.dispatch.unknown-handler-grace with no running instance having it.
		DeliveryRepository.Completion completion = run("crm", HandlerResult::success, false);
		assertThat(completion.status()).isEqualTo(DeliveryStatus.SKIPPED);
		assertThat(completion.error()).isEqualTo("no handler named 'crm' is registered on this instance, and no "
				+ "running instance has one (none that has it wrote a heartbeat within "
				+ "relay.dispatch.unknown-handler-grace, or three heartbeats if longer)");
	}

	@Test
	void skipsForWantOfAHandlerWarnOnceAMinutePerHandler() {
		MutableClock clock = new MutableClock(NOW);
		try (LogRecorder log = LogRecorder.of(DeliveryRunner.class, Level.WARN)) {
			DeliveryRunner runner = runner(HandlerResult::success, clock);
			runner.run(claimed("crm", 1), () -> false);
			runner.run(claimed("crm", 2), () -> false);
			runner.run(claimed("ticket", 3), () -> false);
			assertThat(log.messages(Level.WARN)).hasSize(2)
				.anySatisfy((message) -> assertThat(message).startsWith("Skipping deliveries for 'crm' (delivery 1 "))
				.anySatisfy((message) -> assertThat(message).startsWith("Skipping deliveries for 'ticket'"));

			clock.advance(Duration.ofMinutes(1));
			runner.run(claimed("crm", 4), () -> false);
			assertThat(log.messages(Level.WARN)).hasSize(3);
		}
	}

	@Test
	void aDeliveryPlannedByAnInstanceWithoutTheHandlerRunsOnlyIfTheHandlersFilterTakesTheEvent() {
		AtomicInteger runs = new AtomicInteger();
		EventHandler<IAdvizeEvent> picky = new EventHandler<>() {

			@Override
			public String name() {
				return "picky";
			}

			@Override
			public Class<IAdvizeEvent> eventType() {
				return IAdvizeEvent.class;
			}

			@Override
			public boolean accepts(IAdvizeEvent event) {
				return event.eventId().equals("e-2");
			}

			@Override
			public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
				runs.incrementAndGet();
				return HandlerResult.success();
			}

		};
		DeliveryRunner runner = runner(picky, Clock.fixed(NOW, ZoneOffset.UTC));

		DeliveryRepository.Completion rejected = runner.run(plannedElsewhere(claimed("picky", 1)), () -> false);
		assertThat(rejected.status()).isEqualTo(DeliveryStatus.SKIPPED);
		assertThat(rejected.error()).isEqualTo(DeliveryRunner.NOT_FOR_THIS_HANDLER);
		assertThat(runs).hasValue(0);

		assertThat(runner.run(plannedElsewhere(claimed("picky", 2)), () -> false).status())
			.isEqualTo(DeliveryStatus.SUCCEEDED);
		// Planned here, the filter was applied when the event was stored: not again.
		assertThat(runner.run(claimed("picky", 1), () -> false).status()).isEqualTo(DeliveryStatus.SUCCEEDED);
		assertThat(runs).hasValue(2);
	}

	private static DeliveryRepository.Claimed plannedElsewhere(DeliveryRepository.Claimed claimed) {
		return new DeliveryRepository.Claimed(claimed.id(), claimed.eventId(), claimed.handler(), claimed.attempt(),
				claimed.claim(), claimed.maxAttempts(), claimed.contentType(), claimed.payload(), claimed.receivedAt(),
				claimed.ordered(), claimed.event(), true);
	}

	private static DeliveryRepository.Completion run(Script script) {
		return run(script, false);
	}

	@Test
	void aRemotesRetryAfterIsAMinimumAndAHandlersOwnWaitIsKeptAsItIs() {
		// Attempt 5 of 10 with the default backoff (1 s doubling): up to 16 s, here its longest.
		RandomGenerator longest = new RandomGenerator() {

			@Override
			public long nextLong() {
				return 0;
			}

			@Override
			public long nextLong(long bound) {
				return bound - 1;
			}

		};
		DeliveryRepository.Claimed fifth = new DeliveryRepository.Claimed(7, "e-7", "scripted", 5, 5, 10,
				"application/json", new byte[0], NOW, false,
				new UnknownEvent("e-7", "x.y", Platform.SD, null, null, null, Map.of()));

		// A Retry-After of 0 (or a date already past) does not make the next attempt due at once.
		assertThat(runner(() -> HandlerResult.retryNoSoonerThan("throttled", Duration.ZERO), longest)
			.run(fifth, () -> false)
			.nextAttemptAt()).isEqualTo(NOW.plusSeconds(16));
		// A longer one is waited for.
		assertThat(runner(() -> HandlerResult.retryNoSoonerThan("throttled", Duration.ofHours(2)), longest)
			.run(fifth, () -> false)
			.nextAttemptAt()).isEqualTo(NOW.plus(Duration.ofHours(2)));
		// A wait of the handler's own (check again in 5 s) is kept, shorter than the backoff or not.
		assertThat(runner(() -> HandlerResult.retryAfter("waiting", Duration.ofSeconds(5)), longest)
			.run(fifth, () -> false)
			.nextAttemptAt()).isEqualTo(NOW.plusSeconds(5));
	}

	private static DeliveryRepository.Completion run(Script script, boolean stopping) {
		return run("scripted", script, stopping);
	}

	private static DeliveryRepository.Completion run(String claimedHandler, Script script, boolean stopping) {
		return runner(script, Clock.fixed(NOW, ZoneOffset.UTC)).run(claimed(claimedHandler, 1), () -> stopping);
	}

	/** A runner whose only handler, {@code scripted}, runs the script. */
	private static DeliveryRunner runner(Script script, Clock clock) {
		return runner(scripted(script), clock);
	}

	/** The handler {@code scripted}, which runs the script. */
	@Test
	void countsEveryOutcomeOfEachHandlerFromZeroBeforeItsFirstDelivery() {
		// A counter that appears with its first increment starts at 1, which Prometheus' increase() does not see:
		// the dead deliveries alert missed each handler's first dead delivery after a start.
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		runner(scripted(HandlerResult::success), Clock.fixed(NOW, ZoneOffset.UTC), RandomGenerator.getDefault(), meters);
		for (String outcome : List.of("succeeded", "skipped", "failed", "dead")) {
			assertThat(meters.get("relay.dispatch.deliveries").tag("handler", "scripted").tag("outcome", outcome)
				.counter()
				.count()).isZero();
		}
	}

	private static EventHandler<IAdvizeEvent> scripted(Script script) {
		return new EventHandler<>() {

			@Override
			public String name() {
				return "scripted";
			}

			@Override
			public Class<IAdvizeEvent> eventType() {
				return IAdvizeEvent.class;
			}

			@Override
			public HandlerResult handle(Delivery<IAdvizeEvent> delivery) throws Exception {
				return script.run();
			}

		};
	}

	/** The runner of {@link #runner(Script, Clock)} at {@code NOW}, drawing its backoffs from {@code random}. */
	private static DeliveryRunner runner(Script script, RandomGenerator random) {
		return runner(scripted(script), Clock.fixed(NOW, ZoneOffset.UTC), random);
	}

	private static DeliveryRunner runner(EventHandler<?> handler, Clock clock) {
		return runner(handler, clock, RandomGenerator.getDefault());
	}

	private static DeliveryRunner runner(EventHandler<?> handler, Clock clock, RandomGenerator random) {
		return runner(handler, clock, random, new SimpleMeterRegistry());
	}

	private static DeliveryRunner runner(EventHandler<?> handler, Clock clock, RandomGenerator random,
			MeterRegistry meters) {
		DispatchProperties properties = TestDispatchProperties.of("unknown-handler-grace=1h");
		return new DeliveryRunner(new HandlerRegistry(List.of(handler), properties, new SimpleMeterRegistry(), clock),
				new DispatchMetrics(meters, repository, clock), clock, random);
	}

	/** Delivery {@code id} of event {@code e-<id>} to {@code handler}, on its last attempt (1 of 1). */
	private static DeliveryRepository.Claimed claimed(String handler, long id) {
		IAdvizeEvent event = new UnknownEvent("e-" + id, "x.y", Platform.SD, null, null, null, Map.of());
		return new DeliveryRepository.Claimed(id, "e-" + id, handler, 1, 1, 1, "application/json", new byte[0], NOW,
				false, event);
	}

	@FunctionalInterface
	private interface Script {

		HandlerResult run() throws Exception;

	}

}
