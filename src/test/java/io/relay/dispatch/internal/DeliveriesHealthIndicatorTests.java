package io.relay.dispatch.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.MigratedDatabase;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code deliveries} health figures say when they were read, and when that is too long ago to trust. */
class DeliveriesHealthIndicatorTests {

	@Test
	void figuresReadMoreThanThreeIntervalsAgoAreMarkedStale() {
		MutableClock clock = new MutableClock(Instant.parse("2026-11-29T03:00:00Z"));
		DispatchMetrics metrics = new DispatchMetrics(new SimpleMeterRegistry(),
				new DeliveryRepository(new JdbcTemplate(MigratedDatabase.h2("deliveries_health"))), clock);
		// relay.dispatch.stats-interval 5 s, as by default.
		DispatchProperties properties = TestDispatchProperties.of("unknown-handler-grace=1h");
		DeliveriesHealthIndicator health = new DeliveriesHealthIndicator(metrics, properties, clock);

		assertThat(details(health.health())).containsEntry("measuredAt", "never").containsEntry("stale", true);

		metrics.refresh();
		assertThat(health.health().getStatus()).isEqualTo(Status.UP);
		assertThat(details(health.health())).containsEntry("measuredAt", "2026-11-29T03:00:00Z")
			.containsEntry("stale", false)
			.containsEntry("backlog", 0L);

		// The database went away: the figures stay, marked as stale past three intervals (5 s each).
		clock.advance(Duration.ofSeconds(15));
		assertThat(details(health.health())).containsEntry("stale", false);
		clock.advance(Duration.ofSeconds(1));
		assertThat(details(health.health())).containsEntry("measuredAt", "2026-11-29T03:00:00Z")
			.containsEntry("stale", true);
	}

	private static Map<String, Object> details(Health health) {
		return health.getDetails();
	}

}
