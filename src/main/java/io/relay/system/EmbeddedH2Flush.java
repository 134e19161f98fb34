package io.relay.system;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;

/**
 * Forces the embedded H2 file to the disk at a fixed rate.
 * <p>
 * With {@code WRITE_DELAY=0} each commit is written into the operating system's page cache before the answer
 * (decision 0002), which a killed process cannot lose; H2 itself forces the file only when it closes or shrinks it.
 * The kernel then writes those pages back when it chooses: with Linux's defaults it lets gigabytes gather and writes
 * them in one go, and while it does, H2's own writes wait (measured: 10-46 ms instead of under 5, a p99 of 47.5 ms at
 * 1,000 events/s; docs/benchmarks.md). Forcing the file every second keeps the kernel from gathering gigabytes, and
 * usually limits what a power loss or a crash of the host can take to about the last interval's commits.
 * <p>
 * H2's {@code MVStore.sync()} takes no lock: the commits go on while the file is forced. Runs at a fixed rate, each on
 * its own thread (a fixed delay would run on the scheduler's single thread and hold up its other tasks while the
 * disk is slow), and a run starts only when the previous one has finished.
 * <p>
 * Each force is timed ({@code relay.h2.file.force}): a force that takes most of the interval means the disk cannot
 * keep up, and the next run will be skipped.
 * <p>
 * Only for an embedded H2 file database; a no-op for PostgreSQL (which forces its own log), an in-memory or a
 * server-mode H2.
 */
@Component
class EmbeddedH2Flush implements SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedH2Flush.class);

	private final DataSource dataSource;

	private final TaskScheduler scheduler;

	private final EmbeddedH2Properties properties;

	private final MeterRegistry registry;

	private final ReentrantLock running = new ReentrantLock();

	EmbeddedH2Flush(DataSource dataSource, TaskScheduler scheduler, EmbeddedH2Properties properties,
			MeterRegistry registry) {
		this.dataSource = dataSource;
		this.scheduler = scheduler;
		this.properties = properties;
		this.registry = registry;
	}

	@Override
	public void afterSingletonsInstantiated() {
		try (Connection connection = this.dataSource.getConnection()) {
			MVStore store = EmbeddedH2Store.of(connection);
			if (store == null) {
				return;
			}
			if (store.getAutoCommitDelay() > 0) {
				// Relay acknowledges an event once its commit returns: with a write delay, that commit is still in
				// memory for up to this long, and a killed process loses it.
				logger.warn("The embedded H2 database writes its commits {} ms late: an acknowledged event can be lost "
						+ "if the process is killed. Add ;WRITE_DELAY=0 to spring.datasource.url (docs/configuration.md)",
						store.getAutoCommitDelay());
			}
			if (!this.properties.flushInterval().isZero()) {
				this.scheduler.scheduleAtFixedRate(this::flush, this.properties.flushInterval());
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not reach the database", ex);
		}
	}

	/** Forces the file to the disk unless a flush is still running; whether this call forced it. */
	boolean flush() {
		if (!this.running.tryLock()) {
			return false;
		}
		// The connection is held for the run, so that the database stays open under it.
		try (Connection connection = this.dataSource.getConnection()) {
			MVStore store = EmbeddedH2Store.of(connection);
			if (store == null) {
				return false;
			}
			long start = System.nanoTime();
			store.sync();
			long nanos = System.nanoTime() - start;
			// Registered on the first force, so that no other database shows an empty timer.
			Timer.builder("relay.h2.file.force")
				.description("Time to force the embedded H2 file to the disk (every relay.h2.flush-interval)")
				.register(this.registry)
				.record(nanos, TimeUnit.NANOSECONDS);
			logger.debug("Forced the embedded H2 file to the disk in {} µs", nanos / 1000);
			return true;
		}
		catch (SQLException | RuntimeException ex) {
			logger.warn("Could not force the embedded H2 file to the disk (will try again): {}", ex.toString());
			return false;
		}
		finally {
			this.running.unlock();
		}
	}

}
