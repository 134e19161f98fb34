package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static io.relay.support.Threads.THREAD_PER_TASK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The retention purge's runs (at a fixed rate, a thread of its own per run) must not overlap. What a run deletes and
 * keeps: {@link RetentionPurgeTests}.
 */
class RetentionPurgeRunsTests {

	@Test
	void aPurgeDueWhileThePreviousOneStillRunsIsSkipped() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("purge");
		CountDownLatch purging = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger batches = new AtomicInteger();
		RetentionRepository repository = new RetentionRepository(new JdbcTemplate(dataSource)) {

			@Override
			PurgeBatch purge(Instant cutoff, int batch) {
				batches.incrementAndGet();
				purging.countDown();
				try {
					release.await(20, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				return new PurgeBatch(0, 0);
			}

		};
		RetentionPurge purge = new RetentionPurge(repository, new RetentionProperties(Duration.ofDays(30)),
				Clock.systemUTC(), new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
				new SimpleMeterRegistry());
		CompletableFuture<Integer> first = CompletableFuture.supplyAsync(purge::run, THREAD_PER_TASK);
		assertThat(purging.await(10, TimeUnit.SECONDS)).as("the first purge is running").isTrue();

		assertThat(purge.run()).isZero();
		assertThat(batches).as("the second purge did not touch the database").hasValue(1);

		release.countDown();
		assertThat(first.get(10, TimeUnit.SECONDS)).isZero();
		assertThat(purge.run()).isZero();
		assertThat(batches).as("a purge runs again once the previous one is done").hasValue(2);
	}

	@Test
	void eachRunIsTimedByOutcomeAndWhatItDeletesIsCounted() {
		DataSource dataSource = MigratedDatabase.h2("purge_metrics");
		AtomicInteger fail = new AtomicInteger();
		RetentionRepository repository = new RetentionRepository(new JdbcTemplate(dataSource)) {

			@Override
			PurgeBatch purge(Instant cutoff, int batch) {
				if (fail.get() > 0) {
					throw new DataAccessResourceFailureException("the database is gone");
				}
				// One full batch, then a last one: the purge goes on while a batch is full.
				return (fail.getAndDecrement() == 0) ? new PurgeBatch(batch, batch - 3) : new PurgeBatch(5, 5);
			}

			@Override
			int purgeQuarantine(Instant cutoff, int batch) {
				return 2;
			}

		};
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		RetentionPurge purge = new RetentionPurge(repository, new RetentionProperties(Duration.ofDays(30)),
				Clock.systemUTC(), new TransactionTemplate(new DataSourceTransactionManager(dataSource)), meters);
		assertThat(runs(meters, "completed")).isZero();
		assertThat(runs(meters, "failed")).as("registered before any failure, for the alert").isZero();

		assertThat(purge.run()).isEqualTo(RetentionPurge.PURGE_BATCH - 3 + 5);
		assertThat(runs(meters, "completed")).isEqualTo(1);
		assertThat(meters.get("relay.retention.purged").tag("kind", "events").counter().count())
			.isEqualTo(RetentionPurge.PURGE_BATCH + 2);
		assertThat(meters.get("relay.retention.purged").tag("kind", "quarantined").counter().count()).isEqualTo(2);

		fail.set(1);
		assertThatExceptionOfType(DataAccessResourceFailureException.class).isThrownBy(purge::run);
		assertThat(runs(meters, "failed")).isEqualTo(1);
		assertThat(runs(meters, "completed")).isEqualTo(1);
		fail.set(-1);
		assertThat(purge.run()).as("the lock was given back").isEqualTo(5);
	}

	@Test
	void aRunThatFindsAnotherInstancePurgingIsNotCountedAsCompleted() {
		// The alert adds the job's instances up: another instance's skipped runs must not hide this one's failures.
		DataSource dataSource = MigratedDatabase.h2("purge_elsewhere");
		RetentionRepository repository = new RetentionRepository(new JdbcTemplate(dataSource)) {

			@Override
			PurgeBatch purge(Instant cutoff, int batch) {
				return PurgeBatch.ANOTHER_INSTANCE_PURGES;
			}

		};
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		RetentionPurge purge = new RetentionPurge(repository, new RetentionProperties(Duration.ofDays(30)),
				Clock.systemUTC(), new TransactionTemplate(new DataSourceTransactionManager(dataSource)), meters);
		assertThat(purge.run()).isZero();
		assertThat(runs(meters, "skipped")).isEqualTo(1);
		assertThat(runs(meters, "completed")).isZero();
	}

	private static long runs(SimpleMeterRegistry meters, String outcome) {
		return meters.get("relay.retention.purge").tag("outcome", outcome).timer().count();
	}

}
