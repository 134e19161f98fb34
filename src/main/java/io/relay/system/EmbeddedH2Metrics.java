package io.relay.system;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.system.DiskSpaceMetrics;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;

/**
 * The gauges {@code relay.h2.file.size} and {@code relay.h2.file.live} for an embedded H2 file database, and the
 * free space of the file's own file system ({@code disk.free} and {@code disk.total}, tagged with its directory:
 * Boot measures only the working directory, and in the container image the file is on a volume mounted below it).
 * The file grows under load faster than {@link EmbeddedH2Compaction} can rewrite it (decision 0009). Read every few
 * seconds, not per scrape, so that a scrape never waits for a connection; a failed read shows as NaN, not as the
 * last value. Not registered for any other database.
 */
@Component
class EmbeddedH2Metrics implements SmartInitializingSingleton {

	static final Duration REFRESH_INTERVAL = Duration.ofSeconds(5);

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedH2Metrics.class);

	private static final FileStats UNKNOWN = new FileStats(Double.NaN, Double.NaN);

	private final DataSource dataSource;

	private final MeterRegistry registry;

	private final TaskScheduler scheduler;

	private volatile FileStats stats = UNKNOWN;

	EmbeddedH2Metrics(DataSource dataSource, MeterRegistry registry, TaskScheduler scheduler) {
		this.dataSource = dataSource;
		this.registry = registry;
		this.scheduler = scheduler;
	}

	@Override
	public void afterSingletonsInstantiated() {
		Path file;
		try (Connection connection = this.dataSource.getConnection()) {
			MVStore store = EmbeddedH2Store.of(connection);
			if (store == null) {
				return;
			}
			file = Path.of(store.getFileStore().getFileName()).toAbsolutePath().normalize();
			this.stats = read(store);
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
		Path directory = file.getParent();
		if (directory != null) {
			new DiskSpaceMetrics(directory.toFile()).bindTo(this.registry);
		}
		this.scheduler.scheduleWithFixedDelay(this::refresh, REFRESH_INTERVAL);
	}

	void refresh() {
		try (Connection connection = this.dataSource.getConnection()) {
			MVStore store = EmbeddedH2Store.of(connection);
			this.stats = (store != null) ? read(store) : UNKNOWN;
		}
		catch (SQLException | RuntimeException ex) {
			this.stats = UNKNOWN;
			logger.debug("Could not read the embedded H2 file's statistics: {}", ex.toString());
		}
	}

	private static FileStats read(MVStore store) {
		FileStore<?> file = store.getFileStore();
		return new FileStats(file.size(), file.getChunksFillRate() / 100.0);
	}

	private record FileStats(double size, double live) {
	}

}
