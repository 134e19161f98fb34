package io.relay.system;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.EmbeddedH2;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.unit.DataSize;

import static io.relay.support.Threads.THREAD_PER_TASK;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link EmbeddedH2Flush} forces the embedded H2 file to the disk, which H2 itself does only when it closes or shrinks
 * the file.
 */
class EmbeddedH2FlushTests {

	/** Records what would be scheduled, and runs nothing. */
	private final RecordingScheduler scheduler = new RecordingScheduler();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@BeforeEach
	void resetCounts() {
		ForceCountingFilePath.forces.set(0);
		ForceCountingFilePath.held = null;
		ForceCountingFilePath.holding = new CountDownLatch(1);
	}

	@Test
	void forcesTheFileOfAnEmbeddedDatabaseToTheDisk(@TempDir Path directory) throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(ForceCountingFilePath.url(directory.resolve("relay")));
		try (Connection open = dataSource.getConnection(); Statement statement = open.createStatement()) {
			statement.execute("create table t(id int primary key)");
			statement.execute("insert into t values (1)");
			int before = ForceCountingFilePath.forces.get();

			assertThat(flush(dataSource, Duration.ofSeconds(1)).flush()).isTrue();

			assertThat(ForceCountingFilePath.forces.get()).as("forces of the file").isEqualTo(before + 1);
			assertThat(forceTimer().count()).as("forces timed").isEqualTo(1);
		}
	}

	@Test
	void letsCommitsGoOnWhileTheFileIsForced(@TempDir Path directory) throws Exception {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(ForceCountingFilePath.url(directory.resolve("relay")));
		try (Connection writer = dataSource.getConnection(); Connection reader = dataSource.getConnection()) {
			writer.createStatement().execute("create table t(id int primary key)");
			EmbeddedH2Flush flush = flush(dataSource, Duration.ofSeconds(1));
			CountDownLatch held = new CountDownLatch(1);
			try {
				CompletableFuture<Boolean> forcing = startHeld(flush, held);

				// An acknowledgement waits for its commit: a force that held a lock the commits need (in Relay or in a
				// later H2) would hold every acknowledgement for as long as the disk takes.
				assertThat(CompletableFuture.supplyAsync(() -> insert(writer, 1), THREAD_PER_TASK))
					.as("a commit while the file is forced")
					.succeedsWithin(Duration.ofSeconds(10))
					.isEqualTo(1);
				assertThat(count(reader)).as("rows committed, read on another connection").isEqualTo(1);
				assertThat(forcing).as("the run, still held").isNotDone();

				held.countDown();
				assertThat(forcing).succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
			}
			finally {
				ForceCountingFilePath.held = null;
				held.countDown();
			}
		}
	}

	@Test
	void skipsARunWhileThePreviousOneIsStillForcing(@TempDir Path directory) throws Exception {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(ForceCountingFilePath.url(directory.resolve("relay")));
		try (Connection open = dataSource.getConnection()) {
			EmbeddedH2Flush flush = flush(dataSource, Duration.ofSeconds(1));
			CountDownLatch held = new CountDownLatch(1);
			try {
				CompletableFuture<Boolean> slow = startHeld(flush, held);

				// On another thread, so that a run that waited for the first one would fail the test, not hang it.
				assertThat(CompletableFuture.supplyAsync(flush::flush, THREAD_PER_TASK))
					.as("a run while the first one forces")
					.succeedsWithin(Duration.ofSeconds(10))
					.isEqualTo(false);

				held.countDown();
				assertThat(slow).as("the first run").succeedsWithin(Duration.ofSeconds(10)).isEqualTo(true);
			}
			finally {
				// Before the database closes: H2 forces the file when it closes, and would wait here too.
				ForceCountingFilePath.held = null;
				held.countDown();
			}
			assertThat(flush.flush()).as("a run after the first one").isTrue();
			assertThat(ForceCountingFilePath.forces.get()).isEqualTo(2);
			assertThat(forceTimer().count()).as("forces timed, the skipped run not among them").isEqualTo(2);
		}
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void isScheduledAtAFixedRateForAnEmbeddedFileDatabase(@TempDir Path directory, CapturedOutput output)
			throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(directory.resolve("relay")));
		try (Connection open = dataSource.getConnection()) {
			flush(dataSource, Duration.ofMillis(500)).afterSingletonsInstantiated();

			// A fixed delay would run on the scheduler's single thread, and a slow disk would hold its other tasks.
			assertThat(this.scheduler.rates).containsExactly(Duration.ofMillis(500));
			assertThat(this.scheduler.delays).isEmpty();
			assertThat(output).doesNotContain("WRITE_DELAY");
		}
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void warnsWhenTheFileIsWrittenWithADelay(@TempDir Path directory, CapturedOutput output) throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource("jdbc:h2:file:" + directory.resolve("relay"));
		try (Connection open = dataSource.getConnection()) {
			flush(dataSource, Duration.ofMillis(500)).afterSingletonsInstantiated();

			assertThat(output).contains("The embedded H2 database writes its commits 500 ms late")
				.contains("Add ;WRITE_DELAY=0 to spring.datasource.url");
		}
	}

	@Test
	void isNotScheduledWhenTurnedOff(@TempDir Path directory) throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(directory.resolve("relay")));
		try (Connection open = dataSource.getConnection()) {
			flush(dataSource, Duration.ZERO).afterSingletonsInstantiated();

			assertThat(this.scheduler.tasks).isEmpty();
		}
	}

	@Test
	void leavesAnInMemoryDatabaseAlone() throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource("jdbc:h2:mem:flush;DB_CLOSE_DELAY=-1");
		try (Connection open = dataSource.getConnection()) {
			EmbeddedH2Flush flush = flush(dataSource, Duration.ofSeconds(1));
			flush.afterSingletonsInstantiated();

			assertThat(this.scheduler.rates).isEmpty();
			assertThat(flush.flush()).isFalse();
			assertThat(this.registry.find("relay.h2.file.force").timer()).as("no timer for a database never forced")
				.isNull();
			open.createStatement().execute("shutdown");
		}
	}

	private EmbeddedH2Flush flush(JdbcDataSource dataSource, Duration interval) {
		return new EmbeddedH2Flush(dataSource, this.scheduler,
				new EmbeddedH2Properties(Duration.ofSeconds(1), DataSize.ofMegabytes(1), 100, interval), this.registry);
	}

	/** Starts a run on its own thread, and returns once it is forcing the file, held until {@code held} opens. */
	private static CompletableFuture<Boolean> startHeld(EmbeddedH2Flush flush, CountDownLatch held)
			throws InterruptedException {
		ForceCountingFilePath.held = held;
		CompletableFuture<Boolean> run = CompletableFuture.supplyAsync(flush::flush, THREAD_PER_TASK);
		assertThat(ForceCountingFilePath.holding.await(10, TimeUnit.SECONDS)).as("a run is forcing").isTrue();
		return run;
	}

	private Timer forceTimer() {
		return this.registry.get("relay.h2.file.force").timer();
	}

	private static int insert(Connection connection, int id) {
		try (Statement statement = connection.createStatement()) {
			return statement.executeUpdate("insert into t values (" + id + ")");
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static int count(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				var rows = statement.executeQuery("select count(*) from t")) {
			rows.next();
			return rows.getInt(1);
		}
	}

}
