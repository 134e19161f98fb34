package io.relay.dispatch.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.IAdvizeEvent;
import io.relay.event.Platform;
import io.relay.event.UnknownEvent;
import io.relay.support.LogRecorder;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The filters' time: they run on the path of every acknowledgement, so a slow one shows in a metric and a warning
 * naming its handler.
 */
class HandlerRegistryTests {

	private final MockClock clock = new MockClock();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry(SimpleConfig.DEFAULT, this.clock);

	/** How long the filter takes, on the mock clock. */
	private Duration filterTakes = Duration.ZERO;

	/** The time of day, which spaces the warnings (the mock clock times the filter). */
	private final MutableClock wallClock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));

	private final HandlerRegistry registry = new HandlerRegistry(List.of(new Filtered()), properties(), this.meters,
			this.wallClock);

	@Test
	void everyFilterCallIsTimedByHandler() {
		this.filterTakes = Duration.ofMillis(3);
		assertThat(this.registry.handlersFor(event())).extracting(HandlerRegistry.Registered::name)
			.containsExactly("filtered");
		this.filterTakes = Duration.ofMillis(5);
		this.registry.handlersFor(event());

		Timer timer = this.meters.get("relay.dispatch.filter.duration").tag("handler", "filtered").timer();
		assertThat(timer.count()).isEqualTo(2);
		assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(8.0);
	}

	@Test
	void aSlowFilterWarnsNamingItsHandlerAtMostOnceAMinute() {
		try (LogRecorder log = LogRecorder.of(HandlerRegistry.class, Level.WARN)) {
			this.filterTakes = Duration.ofMillis(99);
			this.registry.handlersFor(event());
			assertThat(log.messages(Level.WARN)).isEmpty();

			this.filterTakes = Duration.ofMillis(150);
			this.registry.handlersFor(event());
			this.registry.handlersFor(event());
			assertThat(log.messages(Level.WARN)).singleElement()
				.asString()
				.startsWith("Filter (accepts) of handler 'filtered' took 150 ms");

			this.wallClock.advance(Duration.ofMinutes(1));
			this.registry.handlersFor(event());
			assertThat(log.messages(Level.WARN)).hasSize(2);
		}
	}

	private static IAdvizeEvent event() {
		return new UnknownEvent("e-1", "x.y", Platform.SD, null, null, null, Map.of());
	}

	@Test
	void settingsForAHandlerThatDoesNotExistWarnNotThoseUnderTheNameEnvironmentVariablesGive() {
		try (LogRecorder log = LogRecorder.of(HandlerRegistry.class, Level.WARN)) {
			HandlerRegistry registry = new HandlerRegistry(List.of(new Filtered(), new DispatchWiring.Succeeding("csat-dashboard")),
					TestDispatchProperties.of("handlers.csatdashboard.max-attempts=3", "handlers.gone.enabled=false"),
					this.meters, this.wallClock);

			assertThat(log.messages(Level.WARN)).singleElement()
				.asString()
				.startsWith("relay.dispatch.handlers has settings for handlers that do not exist: [gone]");
			assertThat(registry.names()).containsExactlyInAnyOrder("filtered", "csat-dashboard");
			assertThat(registry.get("csat-dashboard").settings().maxAttempts()).isEqualTo(3);
			assertThat(registry.get("filtered").settings().maxAttempts()).isEqualTo(10);
		}
	}

	@Test
	void handlersWhoseNamesDifferOnlyByDashesStopStartup() {
		List<EventHandler<?>> handlers = List.of(new DispatchWiring.Succeeding("promo-code"),
				new DispatchWiring.Succeeding("promocode"));
		assertThatIllegalStateException()
			.isThrownBy(() -> new HandlerRegistry(handlers, properties(), this.meters, this.wallClock))
			.withMessageStartingWith("Handlers 'promo-code' and 'promocode' (")
			.withMessageEndingWith(") differ only by dashes, which settings under relay.dispatch.handlers cannot tell "
					+ "apart: rename one");
	}

	private static DispatchProperties properties() {
		return TestDispatchProperties.of("unknown-handler-grace=1h");
	}

	private final class Filtered implements EventHandler<IAdvizeEvent> {

		@Override
		public String name() {
			return "filtered";
		}

		@Override
		public Class<IAdvizeEvent> eventType() {
			return IAdvizeEvent.class;
		}

		@Override
		public boolean accepts(IAdvizeEvent event) {
			HandlerRegistryTests.this.clock.add(HandlerRegistryTests.this.filterTakes);
			return true;
		}

		@Override
		public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
			return HandlerResult.success();
		}

	}

}
