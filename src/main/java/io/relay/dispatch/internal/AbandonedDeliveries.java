package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The deliveries whose run will not finish. Every 10 seconds, ends as {@code DEAD} those whose lease expired on their
 * last attempt, one lease ago or more: the grace leaves a claim that waited in memory, or a handler slower than its
 * lease, time to finish or to renew. Every 5 seconds, ends the leases held by instances whose heartbeats stopped
 * ({@code relay.dispatch.instance-timeout}), so that a crashed instance's deliveries are taken over within a minute
 * rather than after a lease of minutes. On its own schedule, so that a backlog (which keeps the claimer busy) does not
 * hold it up.
 */
@Component
class AbandonedDeliveries {

	private static final Logger logger = LoggerFactory.getLogger(AbandonedDeliveries.class);

	private final DeliveryRepository repository;

	private final DispatchProperties properties;

	private final TransactionTemplate transactions;

	private final DispatchMetrics metrics;

	private final InstancePresence presence;

	private final Clock clock;

	AbandonedDeliveries(DeliveryRepository repository, DispatchProperties properties, TransactionTemplate transactions,
			DispatchMetrics metrics, InstancePresence presence, Clock clock) {
		this.repository = repository;
		this.presence = presence;
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

	@Scheduled(fixedDelayString = "5s", initialDelayString = "5s")
	void endLeasesOfSilentInstances() {
		Instant now = this.clock.instant();
		if (!this.presence.seesOthers(now)) {
			// This instance's own heartbeats fail, or only just came back: the others' may have failed alike.
			return;
		}
		Duration silence = this.properties.silence();
		try {
			Map<String, List<Long>> ended = this.transactions.execute((status) -> this.repository
				.endLeasesOfSilentInstances(this.presence.name(), now, now.minus(silence)));
			if (ended != null) {
				ended.forEach((instance, ids) -> logger.warn("Instance {} has written no heartbeat for {} or more (it "
						+ "stopped, or lost the database): the {} deliveries it was running are taken over now rather "
						+ "than when their lease ends: ids {}", instance, silence, ids.size(), ids));
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not look for the deliveries of stopped instances (will try again): {}", ex.toString());
		}
	}

}
