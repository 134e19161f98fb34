package io.relay.workflow.promocode;

import java.time.Clock;
import java.util.List;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The free codes' gauge and health: counted on schedule, and empty as soon as an assignment finds the pool so.
 */
class PromoCodeStatsTests {

	private final DataSource database = MigratedDatabase.h2("promo-stats");

	private final PromoCodePool pool = new PromoCodePool(new JdbcTemplate(this.database),
			new TransactionTemplate(new DataSourceTransactionManager(this.database)), Clock.systemUTC());

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final PromoCodeStats stats = new PromoCodeStats(this.pool, "autumn", 1, this.registry);

	@Test
	void unknownUntilCountedThenTheCount() {
		assertThat(this.stats.health().getDetails()).containsEntry("available", -1L).containsEntry("pool", "unknown");
		this.pool.add("autumn", List.of("AUTUMN-1", "AUTUMN-2", "AUTUMN-3"), "test");
		this.stats.refresh();
		assertThat(this.stats.health().getDetails()).containsEntry("available", 3L).containsEntry("pool", "ok");
		assertThat(gauge()).isEqualTo(3);
	}

	@Test
	void anAssignmentThatFindsThePoolEmptySaysSoWithoutCounting() {
		this.pool.add("autumn", List.of("AUTUMN-1"), "test");
		this.stats.refresh();
		assertThat(gauge()).isEqualTo(1);
		// Taken by another instance meanwhile: the count here is stale until the next one, or until an assignment
		// finds nothing left.
		this.pool.assign("autumn", "visitor-a", "1", "conversation-1", "k1");
		this.stats.foundEmpty();
		assertThat(this.stats.health().getDetails()).containsEntry("available", 0L).containsEntry("pool", "empty");
		assertThat(gauge()).isZero();
	}

	private double gauge() {
		return this.registry.get("relay.promo.codes.available").tag("campaign", "autumn").gauge().value();
	}

}
