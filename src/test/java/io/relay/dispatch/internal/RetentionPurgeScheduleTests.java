package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.scheduling.config.FixedRateTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The purge runs every {@code relay.dispatch.purge-interval}, but first soon after start: an instance restarted more
 * often than the interval still purges.
 */
class RetentionPurgeScheduleTests {

	@Test
	void purgesEveryIntervalAndFirstAMinuteAfterStart() {
		DataSource dataSource = MigratedDatabase.h2("purge-schedule");
		AtomicInteger batches = new AtomicInteger();
		RetentionRepository repository = new RetentionRepository(new JdbcTemplate(dataSource)) {

			@Override
			PurgeBatch purge(Instant cutoff, int batch) {
				batches.incrementAndGet();
				return super.purge(cutoff, batch);
			}

		};
		RetentionPurge purge = new RetentionPurge(repository, new RetentionProperties(Duration.ofDays(30)),
				Clock.systemUTC(), new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
				new SimpleMeterRegistry());
		ScheduledTaskRegistrar tasks = new ScheduledTaskRegistrar();

		new RetentionPurgeSchedule(purge, properties(Duration.ofHours(2))).configureTasks(tasks);

		assertThat(tasks.getFixedRateTaskList()).singleElement().satisfies((task) -> {
			assertThat(task.getIntervalDuration()).isEqualTo(Duration.ofHours(2));
			assertThat(task.getInitialDelayDuration()).isEqualTo(Duration.ofMinutes(1));
		});
		FixedRateTask task = (FixedRateTask) tasks.getFixedRateTaskList().get(0);
		task.getRunnable().run();
		assertThat(batches).as("the task runs the purge").hasValue(1);
	}

	private static DispatchProperties properties(Duration purgeInterval) {
		return TestDispatchProperties.of("purge-interval=" + purgeInterval);
	}

}
