package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static io.relay.support.Threads.THREAD_PER_TASK;
import static org.assertj.core.api.Assertions.assertThat;

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
				Clock.systemUTC(), new TransactionTemplate(new DataSourceTransactionManager(dataSource)));
		CompletableFuture<Integer> first = CompletableFuture.supplyAsync(purge::run, THREAD_PER_TASK);
		assertThat(purging.await(10, TimeUnit.SECONDS)).as("the first purge is running").isTrue();

		assertThat(purge.run()).isZero();
		assertThat(batches).as("the second purge did not touch the database").hasValue(1);

		release.countDown();
		assertThat(first.get(10, TimeUnit.SECONDS)).isZero();
		assertThat(purge.run()).isZero();
		assertThat(batches).as("a purge runs again once the previous one is done").hasValue(2);
	}

}
