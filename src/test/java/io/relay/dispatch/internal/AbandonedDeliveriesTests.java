package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/** A delivery ended dead because its lease expired on its last attempt counts as dead like any other. */
class AbandonedDeliveriesTests {

	private static final Instant NOW = Instant.parse("2026-11-29T03:00:00Z");

	private static final Duration LEASE = Duration.ofMinutes(5);

	@Test
	void aDeliveryBuriedAfterItsLastLeaseIsCountedDead() {
		DataSource dataSource = MigratedDatabase.h2("abandoned_deliveries");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		// Attempt 10 of 10, its handler never returned: the lease ran out more than a lease ago.
		long hung = DeliveryRepositoryTests.delivery(jdbc, "RUNNING", 10, NOW, NOW.minus(LEASE).minusSeconds(60));
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
		DispatchProperties properties = TestDispatchProperties.of("lease=" + LEASE,
				"unknown-handler-grace=1h");

		new AbandonedDeliveries(new DeliveryRepository(jdbc), properties,
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
				new DispatchMetrics(meters, new DeliveryRepository(jdbc), clock),
				new InstancePresence(jdbc, new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
						"relay-1", List.of("crm"), properties, clock),
				clock)
			.bury();

		assertThat(jdbc.queryForObject("select status from dispatch_delivery where id = ?", String.class, hung))
			.isEqualTo("DEAD");
		// The dead deliveries alert follows this counter.
		assertThat(meters.get("relay.dispatch.deliveries").tag("handler", "crm").tag("outcome", "dead").counter()
			.count()).isEqualTo(1);
	}

}
