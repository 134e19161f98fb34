package io.relay.system;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;

/**
 * The gauges {@code relay.h2.file.size} and {@code relay.h2.file.live} for an embedded H2 file database: the file
 * grows under load faster than {@link EmbeddedH2Compaction} can rewrite it (decision 0009), and Boot's disk-space
 * health only shows that once the disk is nearly full. Read every few seconds, not per scrape, so that a scrape
 * never waits for a connection. Not registered for any other database.
 */
@Component
class EmbeddedH2Metrics implements SmartInitializingSingleton {

	static final Duration REFRESH_INTERVAL = Duration.ofSeconds(5);

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedH2Metrics.class);

	private final DataSource dataSource;

	private final MeterRegistry registry;

	private final TaskScheduler scheduler;

	private volatile FileStats stats = new FileStats(0, 0);

	EmbeddedH2Metrics(DataSource dataSource, MeterRegistry registry, TaskScheduler scheduler) {
		this.dataSource = dataSource;
		this.registry = registry;
		this.scheduler = scheduler;
	}

	@Override
	public void afterSingletonsInstantiated() {
		try {
			if (!read()) {
				return;
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not reach the database", ex);
		}
		Gauge.builder("relay.h2.file.size", this, (metrics) -> metrics.stats.size())
			.description("Size of the embedded H2 database file")
			.baseUnit("bytes")
			.register(this.registry);
		Gauge.builder("relay.h2.file.live", this, (metrics) -> metrics.stats.live())
			.description("Share of the bytes in the embedded H2 file's chunks that are live (0 to 1); the rest is "
					+ "space that compaction can reuse")
			.register(this.registry);
		this.scheduler.scheduleWithFixedDelay(this::refresh, REFRESH_INTERVAL);
	}

	void refresh() {
		try {
			read();
		}
		catch (SQLException | RuntimeException ex) {
			logger.debug("Could not read the embedded H2 file's statistics: {}", ex.toString());
		}
	}

	/** Reads the file's statistics; whether the database is an embedded H2 file. */
	private boolean read() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			MVStore store = EmbeddedH2Store.of(connection);
			if (store == null) {
				return false;
			}
			FileStore<?> file = store.getFileStore();
			this.stats = new FileStats(file.size(), file.getChunksFillRate() / 100.0);
			return true;
		}
	}

	private record FileStats(long size, double live) {
	}

}
