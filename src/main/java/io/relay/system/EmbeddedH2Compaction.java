package io.relay.system;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;

import javax.sql.DataSource;

import org.h2.mvstore.MVStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;

/**
 * Keeps the embedded H2 file from growing with every commit.
 * <p>
 * H2 writes each commit as a new chunk of the file, holding a copy of every page the commit changed. A chunk's space
 * is reused only once none of its pages is live any more, and most chunks keep one or two live pages for a long time
 * (an index leaf that no later commit touched). H2's background thread rewrites those pages into new chunks, but
 * {@code WRITE_DELAY=0}, which Relay needs so that an acknowledged event is in the file (decision 0002), turns that
 * thread off: the file then grew by about 16 KB per event until the retention purge (30 days by default) deleted
 * the rows its chunks held (decision 0009). This task does the thread's compaction step: it rewrites the live pages
 * of the sparsest old chunks (H2 then frees those chunks once they are older than its retention time, 45 s by
 * default, and writes new chunks into their space).
 * <p>
 * A run holds H2's store lock, and so the inbox's commits, for a few milliseconds (more when the file has many
 * chunks, as after a burst). It is skipped while H2 commits more often than {@code compact-max-commit-rate} a second:
 * measured at 1,000 events/s just after a burst, compacting every second raised the acknowledgement p99 by about
 * 10 ms and the p99.9 by about 40 ms. The file then grows while the load lasts, and is compacted when it drops.
 * <p>
 * Only for an embedded H2 file database; a no-op for PostgreSQL, an in-memory or a server-mode H2.
 */
@Component
class EmbeddedH2Compaction implements SmartInitializingSingleton {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedH2Compaction.class);

	/** Compact while less than this share of the chunks' bytes is live (H2's own threshold under load). */
	private static final int TARGET_FILL_RATE = 80;

	private final DataSource dataSource;

	private final TaskScheduler scheduler;

	private final EmbeddedH2Properties properties;

	private final Clock clock;

	/** H2's version (one per commit) and the time when the previous run looked at it. */
	private long lastVersion = -1;

	private long lastMillis;

	EmbeddedH2Compaction(DataSource dataSource, TaskScheduler scheduler, EmbeddedH2Properties properties,
			Clock clock) {
		this.dataSource = dataSource;
		this.scheduler = scheduler;
		this.properties = properties;
		this.clock = clock;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (this.properties.compactInterval().isZero()) {
			return;
		}
		try (Connection connection = this.dataSource.getConnection()) {
			if (fileStore(connection) != null) {
				this.scheduler.scheduleWithFixedDelay(this::compact, this.properties.compactInterval());
			}
		}
		catch (SQLException ex) {
			throw new IllegalStateException("Could not reach the database", ex);
		}
	}

	/**
	 * Rewrites the sparsest old chunks if the file is below the fill rate and H2 was not busy since the previous
	 * run; whether anything was rewritten.
	 */
	synchronized boolean compact() {
		// The connection is held for the run, so that the database stays open under it.
		try (Connection connection = this.dataSource.getConnection()) {
			MVStore store = fileStore(connection);
			if (store == null) {
				return false;
			}
			if (busySinceLastRun(store.getCurrentVersion(), this.clock.millis())) {
				logger.debug("Not compacting the embedded H2 file: it commits more than {} times a second",
						this.properties.compactMaxCommitRate());
				return false;
			}
			long start = System.nanoTime();
			boolean rewritten = store.compact(TARGET_FILL_RATE, (int) this.properties.compactLimit().toBytes());
			if (rewritten) {
				// The rewritten pages are written with the next commit; when idle, there may be none for a while.
				store.tryCommit();
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Compacted the embedded H2 file in {} µs (rewritten: {}, file {} MB, {} % live)",
						(System.nanoTime() - start) / 1000, rewritten, store.getFileStore().size() >> 20,
						store.getFileStore().getChunksFillRate());
			}
			return rewritten;
		}
		catch (SQLException | RuntimeException ex) {
			logger.warn("Could not compact the embedded H2 file (will try again): {}", ex.toString());
			return false;
		}
	}

	private boolean busySinceLastRun(long version, long millis) {
		boolean first = this.lastVersion < 0;
		long commits = version - this.lastVersion;
		long elapsed = Math.max(1, millis - this.lastMillis);
		this.lastVersion = version;
		this.lastMillis = millis;
		return !first && commits * 1000 > this.properties.compactMaxCommitRate() * elapsed;
	}

	/**
	 * The MVStore of an embedded H2 file database with no write delay; {@code null} for any other database: in
	 * memory there is nothing to compact, with a write delay H2's own background thread compacts, and a server-mode
	 * H2 or PostgreSQL is not ours to compact.
	 */
	private static @Nullable MVStore fileStore(Connection connection) throws SQLException {
		MVStore store = EmbeddedH2Store.of(connection);
		return (store != null && store.getAutoCommitDelay() == 0) ? store : null;
	}

}
