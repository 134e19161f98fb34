package io.relay.workflow.promocode;

import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The configured campaign's free codes: the gauge {@code relay.promo.codes.available} (tag {@code campaign}) and
 * {@code promoCodes} in {@code /actuator/health}, read from the database every {@code stats-interval} (30 seconds),
 * and set to 0 at once when an assignment finds the pool empty. Always UP: a low pool is something to alert on, not
 * a reason to take Relay out of a load balancer.
 */
class PromoCodeStats implements HealthIndicator {

	private static final Logger logger = LoggerFactory.getLogger(PromoCodeStats.class);

	private final PromoCodePool pool;

	private final String campaign;

	private final int lowThreshold;

	private final AtomicLong available = new AtomicLong(-1);

	PromoCodeStats(PromoCodePool pool, String campaign, int lowThreshold, MeterRegistry registry) {
		this.pool = pool;
		this.campaign = campaign;
		this.lowThreshold = lowThreshold;
		Gauge.builder("relay.promo.codes.available", this.available, AtomicLong::get)
			.description("Free codes left in the promo-code workflow's campaign")
			.tag("campaign", campaign)
			.register(registry);
	}

	@Scheduled(fixedDelayString = "${relay.workflows.promo-code.stats-interval:30s}", initialDelay = 0)
	void refresh() {
		try {
			record(this.pool.available(this.campaign));
		}
		catch (RuntimeException ex) {
			logger.debug("Could not count the free promo codes: {}", ex.toString());
		}
	}

	/**
	 * An assignment found the pool empty: said at once, without counting. Not counted after every assignment: a
	 * count reads every free code, and a pool may hold a million.
	 */
	void foundEmpty() {
		record(0);
	}

	private void record(long free) {
		long before = this.available.getAndSet(free);
		if (free <= this.lowThreshold && (before < 0 || before > this.lowThreshold)) {
			logger.warn("The promo code pool of campaign '{}' is {}: {} free code(s), low-threshold {}", this.campaign,
					(free == 0) ? "empty" : "running low", free, this.lowThreshold);
		}
	}

	@Override
	public Health health() {
		long free = this.available.get();
		String state = (free < 0) ? "unknown" : (free == 0) ? "empty" : (free <= this.lowThreshold) ? "low" : "ok";
		return Health.up()
			.withDetail("campaign", this.campaign)
			.withDetail("available", free)
			.withDetail("lowThreshold", this.lowThreshold)
			.withDetail("pool", state)
			.build();
	}

}
