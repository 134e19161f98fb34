package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code deliveries} in {@code /actuator/health}: the backlog and the dead letters. Always UP: a backlog is
 * something to alert on, not a reason to restart Relay or take it out of a load balancer. The figures are read every
 * {@code relay.dispatch.stats-interval}; while the database cannot be read they keep their last values, so they say
 * when they were read ({@code measuredAt}) and whether that is more than three intervals ago ({@code stale}): a
 * backlog of 0 read before an outage is not a backlog of 0 now.
 */
@Component("deliveries")
class DeliveriesHealthIndicator implements HealthIndicator {

	private final DispatchMetrics metrics;

	private final Duration staleAfter;

	private final Clock clock;

	DeliveriesHealthIndicator(DispatchMetrics metrics, DispatchProperties properties, Clock clock) {
		this.metrics = metrics;
		this.staleAfter = properties.statsInterval().multipliedBy(3);
		this.clock = clock;
	}

	@Override
	public Health health() {
		DeliveryRepository.Stats stats = this.metrics.current();
		Instant measuredAt = this.metrics.measuredAt();
		boolean stale = measuredAt == null || measuredAt.isBefore(this.clock.instant().minus(this.staleAfter));
		return Health.up()
			.withDetail("backlog", stats.backlog())
			.withDetail("oldestPendingAgeSeconds", stats.oldestPendingAgeSeconds())
			.withDetail("dead", stats.dead())
			.withDetail("measuredAt", (measuredAt != null) ? measuredAt.toString() : "never")
			.withDetail("stale", stale)
			.build();
	}

}
