package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Every 10 seconds, ends as {@code DEAD} the deliveries whose lease expired on their last attempt, one lease ago or
 * more: the grace leaves a claim that waited in memory, or a handler slower than its lease, time to finish or to
 * renew. On its own schedule, so that a backlog (which keeps the claimer busy) does not hold it up.
 */
@Component
class AbandonedDeliveries {

	private static final Logger logger = LoggerFactory.getLogger(AbandonedDeliveries.class);

	private final DeliveryRepository repository;

	private final DispatchProperties properties;

	private final TransactionTemplate transactions;

	private final DispatchMetrics metrics;

	private final Clock clock;

	AbandonedDeliveries(DeliveryRepository repository, DispatchProperties properties, TransactionTemplate transactions,
			DispatchMetrics metrics, Clock clock) {
		this.repository = repository;
		this.properties = properties;
		this.transactions = transactions;
		this.metrics = metrics;
		this.clock = clock;
	}

	@Scheduled(fixedDelayString = "10s", initialDelayString = "10s")
	void bury() {
		Instant now = this.clock.instant();
		try {
			List<String> buried = this.transactions
				.execute((status) -> this.repository.buryAbandoned(now, now.minus(this.properties.lease())));
			// Counted as every other dead delivery (the dead deliveries alert follows this counter).
			if (buried != null) {
				buried.forEach(this.metrics::buried);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not end abandoned deliveries (will try again): {}", ex.toString());
		}
	}

}
