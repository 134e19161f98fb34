package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.DeliveryStatus;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.dispatch.PermanentFailureException;
import io.relay.event.EventParser;
import io.relay.event.IAdvizeEvent;
import io.relay.event.MalformedEventException;
import io.relay.event.PayloadFormat;
import io.relay.system.LogThrottle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * Runs one claimed delivery through its handler and decides what becomes of it.
 */
@Component
class DeliveryRunner {

	private static final Logger logger = LoggerFactory.getLogger(DeliveryRunner.class);

	/** The longest wait a handler may ask for: a year is beyond any use, and far beyond would overflow a time. */
	private static final Duration MAX_RETRY_AFTER = Duration.ofDays(365);

	/** The skip reason of a delivery planned elsewhere whose event the handler's filter does not take. */
	static final String NOT_FOR_THIS_HANDLER = "not for this handler: the delivery was planned by an instance without "
			+ "it (a rolling upgrade), and its filter (event type, accepts) does not take this event";

	private final HandlerRegistry handlers;

	private final DispatchMetrics metrics;

	private final Clock clock;

	private final RandomGenerator random;

	private final EventParser parser = new EventParser();

	/** Skips for want of a handler, logged once a minute per handler name. */
	private final LogThrottle unknownHandlerWarnings;

	@Autowired
	DeliveryRunner(HandlerRegistry handlers, DispatchMetrics metrics, Clock clock) {
		this(handlers, metrics, clock, RandomGenerator.getDefault());
	}

	DeliveryRunner(HandlerRegistry handlers, DispatchMetrics metrics, Clock clock, RandomGenerator random) {
		this.handlers = handlers;
		this.metrics = metrics;
		this.clock = clock;
		this.random = random;
		metrics.countFromZero(handlers.names());
		this.unknownHandlerWarnings = new LogThrottle(Duration.ofMinutes(1), clock);
	}

	/**
	 * Runs one claimed delivery.
	 * @param interruptsSent whether the dispatcher's stop has interrupted the handlers still running: a retry they
	 * return then is the interrupt's doing
	 */
	DeliveryRepository.Completion run(DeliveryRepository.Claimed claimed, BooleanSupplier interruptsSent) {
		Instant started = this.clock.instant();
		long startNanos = System.nanoTime();
		HandlerResult result;
		HandlerRegistry.Registered registered = this.handlers.get(claimed.handler());
		try (MDC.MDCCloseable event = MDC.putCloseable("eventId", claimed.eventId());
				MDC.MDCCloseable delivery = MDC.putCloseable("deliveryId", Long.toString(claimed.id()));
				MDC.MDCCloseable handler = MDC.putCloseable("handler", claimed.handler())) {
			if (registered == null) {
				// Claimed only once due for relay.dispatch.unknown-handler-grace with no running instance having it
				// (InstancePresence.claimScope).
				result = HandlerResult.skipped("no handler named '" + claimed.handler() + "' is registered on this "
						+ "instance, and no running instance has one (none that has it wrote a heartbeat within "
						+ "relay.dispatch.unknown-handler-grace, or three heartbeats if longer)");
				warnOfUnknownHandler(claimed);
			}
			else if (!registered.settings().enabled()) {
				// Disabled to stop it at once: its retries and replays are not run either; replay them once enabled.
				result = HandlerResult.skipped("the handler is disabled (relay.dispatch.handlers." + claimed.handler()
						+ ".enabled)");
			}
			else {
				result = invoke(registered, claimed);
			}
		}
		// Interrupted by a graceful stop (the handler's outcome says nothing about the delivery): never dead for it,
		// whether or not the handler kept the thread's interrupt flag. Only then: a handler that throws
		// InterruptedException of its own accord is a failure like any other.
		boolean interrupted = interruptsSent.getAsBoolean();
		long nanos = System.nanoTime() - startNanos;
		Instant finished = this.clock.instant();
		DeliveryRepository.Completion completion = decide(claimed, result, registered, started, finished,
				Duration.ofNanos(nanos).toMillis(), interrupted);
		this.metrics.finished(claimed.handler(), completion.status(), nanos);
		return completion;
	}

	/** Once a minute per handler: a workflow removed with work left skips it all at once. */
	private void warnOfUnknownHandler(DeliveryRepository.Claimed claimed) {
		if (this.unknownHandlerWarnings.allow(claimed.handler())) {
			logger.warn("Skipping deliveries for '{}' (delivery {} of event {} and maybe more, at most one warning a "
					+ "minute): no handler of that name on this instance, and no instance that has one wrote a "
					+ "heartbeat within relay.dispatch.unknown-handler-grace (or three heartbeats if longer); replay "
					+ "them if the workflow comes back", claimed.handler(), claimed.id(), claimed.eventId());
		}
	}

	@SuppressWarnings("unchecked")
	private HandlerResult invoke(HandlerRegistry.Registered registered, DeliveryRepository.Claimed claimed) {
		EventHandler<?> handler = registered.handler();
		IAdvizeEvent event;
		try {
			event = read(claimed);
		}
		catch (MalformedEventException | RuntimeException ex) {
			// Cannot happen for an event the intake accepted, unless the parser changed incompatibly.
			return HandlerResult.permanentFailure("the stored event cannot be read any more: " + describe(ex));
		}
		if (claimed.filterAtRun() && !registered.wantsAtRun(event)) {
			return HandlerResult.skipped(NOT_FOR_THIS_HANDLER);
		}
		try {
			HandlerResult result = ((EventHandler<IAdvizeEvent>) handler).handle(new Delivery<>(claimed.id(),
					Delivery.idempotencyKey(claimed.eventId(), claimed.handler()), event, claimed.attempt(),
					claimed.receivedAt()));
			return (result != null) ? result : HandlerResult.retry("the handler returned no result");
		}
		catch (PermanentFailureException ex) {
			return HandlerResult.permanentFailure(describe(ex));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return HandlerResult.retry("interrupted (shutdown)");
		}
		catch (Throwable ex) {
			if (isFatal(ex)) {
				throw (VirtualMachineError) ex;
			}
			// Any error a handler raises counts as a failure (its own bug, a missing class, Kotlin's TODO(), a
			// checked exception thrown sneakily): uncaught, it would leave the delivery RUNNING, with no error
			// recorded, until its lease expires. The JVM's own errors (out of memory) still end the worker.
			logger.debug("Handler failed", ex);
			return HandlerResult.retry(describe(ex));
		}
	}

	/** The JVM's own errors (out of memory, an internal error), which no handler or filter should swallow. */
	static boolean isFatal(Throwable ex) {
		return ex instanceof VirtualMachineError && !(ex instanceof StackOverflowError);
	}

	private IAdvizeEvent read(DeliveryRepository.Claimed claimed) throws MalformedEventException {
		if (claimed.event() != null) {
			return claimed.event();
		}
		MediaType type = MediaType.parseMediaType(claimed.contentType());
		PayloadFormat format = MediaType.APPLICATION_FORM_URLENCODED.includes(type) ? PayloadFormat.FORM
				: PayloadFormat.JSON;
		return this.parser.parse(claimed.payload(), format, type.getCharset(), claimed.eventId());
	}

	private DeliveryRepository.Completion decide(DeliveryRepository.Claimed claimed, HandlerResult result,
			HandlerRegistry.@Nullable Registered registered, Instant started, Instant finished, long millis,
			boolean interrupted) {
		return switch (result) {
			case HandlerResult.Success success -> completion(claimed, DeliveryStatus.SUCCEEDED, null, null, started,
					finished, millis);
			case HandlerResult.Skipped skipped -> completion(claimed, DeliveryStatus.SKIPPED, null, skipped.reason(),
					started, finished, millis);
			case HandlerResult.PermanentFailure failure -> {
				logger.warn("Delivery {} of event {} to '{}' failed permanently: {}", claimed.id(), claimed.eventId(),
						claimed.handler(), failure.reason());
				yield completion(claimed, DeliveryStatus.DEAD, null, failure.reason(), started, finished, millis);
			}
			case HandlerResult.Retry retry when interrupted -> {
				// Due again at once, for the next start (or another instance); the attempt counts.
				logger.info("Delivery {} of event {} to '{}' was interrupted by a shutdown (attempt {} of {}): {}",
						claimed.id(), claimed.eventId(), claimed.handler(), claimed.attempt(), claimed.maxAttempts(),
						retry.reason());
				yield completion(claimed, DeliveryStatus.FAILED, finished, "interrupted by a shutdown: "
						+ retry.reason(), started, finished, millis);
			}
			case HandlerResult.Retry retry -> {
				if (claimed.attempt() >= claimed.maxAttempts()) {
					String error = "gave up after " + claimed.attempt() + " attempts: " + retry.reason();
					logger.warn("Delivery {} of event {} to '{}' is dead: {}", claimed.id(), claimed.eventId(),
							claimed.handler(), error);
					yield completion(claimed, DeliveryStatus.DEAD, null, error, started, finished, millis);
				}
				// A retry only comes from a registered handler (an unknown one is skipped), so its settings exist.
				Duration wait = waitBefore(claimed, retry, Objects.requireNonNull(registered).settings());
				logger.info("Delivery {} of event {} to '{}' failed (attempt {} of {}), next in {}: {}", claimed.id(),
						claimed.eventId(), claimed.handler(), claimed.attempt(), claimed.maxAttempts(), wait,
						retry.reason());
				yield completion(claimed, DeliveryStatus.FAILED, finished.plus(wait), retry.reason(), started,
						finished, millis);
			}
		};
	}

	private static Duration min(Duration a, Duration b) {
		return (a.compareTo(b) <= 0) ? a : b;
	}

	private static Duration max(Duration a, Duration b) {
		return (a.compareTo(b) >= 0) ? a : b;
	}

	/** How long a failed delivery waits for its next attempt: the backoff, the handler's wait, or the longer of both. */
	private Duration waitBefore(DeliveryRepository.Claimed claimed, HandlerResult.Retry retry,
			DispatchProperties.ResolvedSettings settings) {
		if (retry.after() == null) {
			return backoff(claimed, settings);
		}
		Duration asked = min(retry.after(), MAX_RETRY_AFTER);
		// A remote's Retry-After is a minimum (retryNoSoonerThan): a 0, or a date already past, would otherwise spend
		// every attempt within seconds, all at once for every throttled delivery.
		return retry.orBackoffIfLonger() ? max(asked, backoff(claimed, settings)) : asked;
	}

	private Duration backoff(DeliveryRepository.Claimed claimed, DispatchProperties.ResolvedSettings settings) {
		return Backoff.delay(claimed.attempt(), settings.initialBackoff(), settings.maxBackoff(), this.random);
	}

	private static DeliveryRepository.Completion completion(DeliveryRepository.Claimed claimed, DeliveryStatus status,
			@Nullable Instant next, @Nullable String error, Instant started, Instant finished, long millis) {
		return new DeliveryRepository.Completion(claimed.id(), claimed.attempt(), claimed.claim(), status, next, error,
				started, finished, millis, claimed.ordered());
	}

	private static String describe(Throwable ex) {
		String message = ex.getMessage();
		return ex.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

}
