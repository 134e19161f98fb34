package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.relay.dispatch.EventHandler;
import io.relay.event.IAdvizeEvent;
import io.relay.system.LogThrottle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Every {@link EventHandler} bean, by name, with its resolved settings.
 */
@Component
class HandlerRegistry {

	private static final Logger logger = LoggerFactory.getLogger(HandlerRegistry.class);

	private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,99}");

	private final Map<String, Registered> handlers = new LinkedHashMap<>();

	HandlerRegistry(List<EventHandler<?>> handlers, DispatchProperties properties, MeterRegistry meters,
			Clock clock) {
		// Slow filters, logged once a minute per handler.
		LogThrottle slowFilterWarnings = new LogThrottle(Duration.ofMinutes(1), clock);
		Map<String, String> asInEnvironment = new LinkedHashMap<>();
		for (EventHandler<?> handler : handlers) {
			String name = handler.name();
			if (!NAME.matcher(name).matches()) {
				throw new IllegalStateException("Handler name '" + name + "' of " + handler.getClass().getName()
						+ " must be lowercase letters, digits and dashes (at most 100)");
			}
			if (this.handlers.containsKey(name)) {
				throw new IllegalStateException("Two handlers are named '" + name + "': "
						+ this.handlers.get(name).handler().getClass().getName() + " and "
						+ handler.getClass().getName());
			}
			Class<?> eventType = handler.eventType();
			if (eventType == null || !IAdvizeEvent.class.isAssignableFrom(eventType)) {
				throw new IllegalStateException("Handler '" + name + "' of " + handler.getClass().getName()
						+ " must name an event type (eventType()), but named " + eventType);
			}
			String sameWithoutDashes = asInEnvironment.putIfAbsent(DispatchProperties.asInEnvironment(name), name);
			if (sameWithoutDashes != null) {
				// Spring Boot binds relay.dispatch.handlers.promo-code and .promocode as one name: each would get the
				// other's settings.
				throw new IllegalStateException("Handlers '" + sameWithoutDashes + "' and '" + name + "' ("
						+ handler.getClass().getName() + ") differ only by dashes, which settings under "
						+ "relay.dispatch.handlers cannot tell apart: rename one");
			}
			DispatchProperties.ResolvedSettings settings = properties.settingsFor(name);
			this.handlers.put(name, new Registered(handler, eventType, settings, new FilterTiming(name, meters,
					slowFilterWarnings)));
		}
		List<String> unknown = properties.handlers().keySet().stream()
			// Under a handler's name, or without its dashes (as environment variables give it).
			.filter((key) -> !this.handlers.containsKey(key) && !asInEnvironment.containsKey(key))
			.toList();
		if (!unknown.isEmpty()) {
			logger.warn("relay.dispatch.handlers has settings for handlers that do not exist: {} (known: {})", unknown,
					this.handlers.keySet());
		}
		logger.info("Dispatching to handlers {}", this.handlers.entrySet().stream()
			.map((entry) -> entry.getKey() + (entry.getValue().settings().enabled() ? "" : " (disabled)"))
			.toList());
	}

	/** The enabled handlers that want this event. */
	List<Registered> handlersFor(IAdvizeEvent event) {
		List<Registered> wanted = new ArrayList<>();
		for (Registered registered : this.handlers.values()) {
			if (registered.settings().enabled() && registered.wants(event)) {
				wanted.add(registered);
			}
		}
		return wanted;
	}

	/** The names of every handler of this instance, disabled ones included. */
	Set<String> names() {
		return Collections.unmodifiableSet(this.handlers.keySet());
	}

	/** The names of this instance's enabled handlers (a disabled one's deliveries end {@code SKIPPED} here). */
	Set<String> enabled() {
		return this.handlers.entrySet().stream()
			.filter((entry) -> entry.getValue().settings().enabled())
			.map(Map.Entry::getKey)
			.collect(Collectors.toUnmodifiableSet());
	}

	@Nullable Registered get(String name) {
		return this.handlers.get(name);
	}

	/**
	 * @param eventType the handler's {@code eventType()}, read once at startup
	 * @param filterTiming times its {@code accepts}, which runs on the path of every acknowledgement
	 */
	record Registered(EventHandler<?> handler, Class<?> eventType, DispatchProperties.ResolvedSettings settings,
			FilterTiming filterTiming) {

		/** Whether the handler takes the event, when it is stored (timed: this is the acknowledgement path). */
		boolean wants(IAdvizeEvent event) {
			if (!this.eventType.isInstance(event)) {
				return false;
			}
			long start = this.filterTiming.now();
			try {
				return accepts(event);
			}
			finally {
				this.filterTiming.record(start);
			}
		}

		/**
		 * Whether the handler takes the event, when a delivery planned by an instance without the handler runs
		 * (not timed: not on the acknowledgement path, which the timer and its warning are about).
		 */
		boolean wantsAtRun(IAdvizeEvent event) {
			return this.eventType.isInstance(event) && accepts(event);
		}

		@SuppressWarnings("unchecked")
		private boolean accepts(IAdvizeEvent event) {
			try {
				return ((EventHandler<IAdvizeEvent>) this.handler).accepts(event);
			}
			catch (Throwable ex) {
				if (DeliveryRunner.isFatal(ex)) {
					throw (VirtualMachineError) ex;
				}
				// A broken filter must not lose the event: deliver it, and let the handler decide. The filter runs
				// in the inbox's transaction, so anything it throws is caught (as for handle()): a checked exception
				// thrown sneakily, any Error but the JVM's own. Escaping, it would fail the whole batch, again at
				// each redelivery.
				logger.warn("Filter of handler '{}' failed on event {}; delivering it anyway", this.handler.name(),
						event.eventId(), ex);
				return true;
			}
		}

		String name() {
			return this.handler.name();
		}

	}

	/**
	 * {@code relay.dispatch.filter.duration} of one handler, and a warning when its filter is slow: it runs inside
	 * the inbox's transaction, so a slow filter slows every acknowledgement (and, slower still, makes them 503),
	 * which the intake's own metrics show without saying why.
	 */
	static final class FilterTiming {

		/** A filter this slow holds the intake to a few events a second per writer. */
		static final Duration SLOW = Duration.ofMillis(100);

		private final String handler;

		private final Timer timer;

		private final io.micrometer.core.instrument.Clock clock;

		private final LogThrottle warnings;

		FilterTiming(String handler, MeterRegistry meters, LogThrottle warnings) {
			this.handler = handler;
			this.clock = meters.config().clock();
			this.warnings = warnings;
			this.timer = Timer.builder("relay.dispatch.filter.duration")
				.description("Time a handler's filter (accepts) took for one event, inside the inbox's transaction")
				.tag("handler", handler)
				.register(meters);
		}

		long now() {
			return this.clock.monotonicTime();
		}

		void record(long start) {
			long nanos = this.clock.monotonicTime() - start;
			this.timer.record(nanos, TimeUnit.NANOSECONDS);
			if (nanos >= SLOW.toNanos() && this.warnings.allow(this.handler)) {
				logger.warn("Filter (accepts) of handler '{}' took {} ms on the acknowledgement path: every webhook "
						+ "waits for it; keep it a look at the event, without I/O (at most one warning a minute)",
						this.handler, TimeUnit.NANOSECONDS.toMillis(nanos));
			}
		}

	}

}
