package io.relay.dispatch.internal;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code deliveries} in {@code /actuator/health}: the backlog and the dead letters. Always UP: a backlog is
 * something to alert on, not a reason to restart Relay or take it out of a load balancer.
 */
@Component("deliveries")
class DeliveriesHealthIndicator implements HealthIndicator {

	private final DispatchMetrics metrics;

	DeliveriesHealthIndicator(DispatchMetrics metrics) {
		this.metrics = metrics;
	}

	@Override
	public Health health() {
		DeliveryRepository.Stats stats = this.metrics.current();
		return Health.up()
			.withDetail("backlog", stats.backlog())
			.withDetail("oldestPendingAgeSeconds", stats.oldestPendingAgeSeconds())
			.withDetail("dead", stats.dead())
			.build();
	}

}
