package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.relay.dispatch.DeliveryStatus;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * {@code relay.dispatch.deliveries} (finished attempts by handler and outcome), {@code
 * relay.dispatch.handler.duration}, and the gauges {@code relay.dispatch.backlog}, {@code
 * relay.dispatch.oldest.pending.age} and {@code relay.dispatch.dead}, read from the database every few seconds (not
 * per scrape, so that scrapes never load the database).
 */
@Component
class DispatchMetrics {

	private static final Logger logger = LoggerFactory.getLogger(DispatchMetrics.class);

	/** The outcomes an attempt ends with. */
	private static final List<DeliveryStatus> FINISHED = List.of(DeliveryStatus.SUCCEEDED, DeliveryStatus.SKIPPED,
			DeliveryStatus.FAILED, DeliveryStatus.DEAD);

	private final MeterRegistry registry;

	private final DeliveryRepository repository;

	private final Clock clock;

	private final AtomicReference<DeliveryRepository.Stats> stats = new AtomicReference<>(
			DeliveryRepository.Stats.EMPTY);

	/** When {@link #stats} were last read from the database; {@code null} before the first reading. */
	private final AtomicReference<@Nullable Instant> measuredAt = new AtomicReference<>();

	DispatchMetrics(MeterRegistry registry, DeliveryRepository repository, Clock clock) {
		this.registry = registry;
		this.repository = repository;
		this.clock = clock;
		Gauge.builder("relay.dispatch.backlog", this.stats, (s) -> s.get().backlog())
			.description("Deliveries with work left (pending, running or failed and waiting to retry)")
			.register(registry);
		Gauge.builder("relay.dispatch.oldest.pending.age", this.stats, (s) -> s.get().oldestPendingAgeSeconds())
			.description("How long the longest-waiting due delivery has waited to run")
			.baseUnit("seconds")
			.register(registry);
		Gauge.builder("relay.dispatch.dead", this.stats, (s) -> s.get().dead())
			.description("Dead deliveries waiting for a replay")
			.register(registry);
	}

	/**
	 * Counts every outcome of {@code handlers} from zero, before their first delivery: a counter that appears with
	 * its first increment starts at 1, and Prometheus' {@code increase()} does not see that first one (the dead
	 * deliveries alert missed the first dead delivery of each handler after every start).
	 */
	void countFromZero(Collection<String> handlers) {
		for (String handler : handlers) {
			for (DeliveryStatus outcome : FINISHED) {
				deliveries(handler, outcome);
			}
		}
	}

	void finished(String handler, DeliveryStatus outcome, long nanos) {
		deliveries(handler, outcome).increment();
		Timer.builder("relay.dispatch.handler.duration")
			.description("Time a handler took for one attempt")
			.tag("handler", handler)
			.publishPercentileHistogram()
			.register(this.registry)
			.record(nanos, TimeUnit.NANOSECONDS);
	}

	/** A delivery ended dead without an attempt's end: its lease expired on its last attempt. */
	void buried(String handler) {
		deliveries(handler, DeliveryStatus.DEAD).increment();
	}

	private Counter deliveries(String handler, DeliveryStatus outcome) {
		return Counter.builder("relay.dispatch.deliveries")
			.description("Finished delivery attempts by handler and outcome")
			.tag("handler", handler)
			.tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
			.register(this.registry);
	}

	DeliveryRepository.Stats current() {
		return this.stats.get();
	}

	/** When the {@link #current} figures were read from the database; {@code null} if they never were. */
	@Nullable Instant measuredAt() {
		return this.measuredAt.get();
	}

	@Scheduled(fixedDelayString = "${relay.dispatch.stats-interval:5s}", initialDelay = 0)
	void refresh() {
		try {
			Instant now = this.clock.instant();
			this.stats.set(this.repository.stats(now));
			this.measuredAt.set(now);
		}
		catch (RuntimeException ex) {
			// The gauges and the health contributor keep their last values meanwhile: say so.
			logger.warn("Could not refresh delivery statistics (the backlog, lag and dead gauges are stale): {}",
					ex.toString());
		}
	}

}
