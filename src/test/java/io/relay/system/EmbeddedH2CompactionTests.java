package io.relay.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import io.relay.support.EmbeddedH2;
import io.relay.support.MutableClock;
import org.h2.jdbcx.JdbcDataSource;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code WRITE_DELAY=0} (the embedded default) H2 does no compaction of its own, and its file grows with every
 * commit; {@link EmbeddedH2Compaction} keeps it bounded.
 */
class EmbeddedH2CompactionTests {

	private static final int COMMITS = 3000;

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

	/** Records what would be scheduled, and runs nothing. */
	private final RecordingScheduler scheduler = new RecordingScheduler();

	@Test
	void keepsTheFileFromGrowingWithEveryCommit(@TempDir Path directory) throws SQLException, IOException {
		FileState uncompacted = afterCommits(directory.resolve("uncompacted"), null);
		// 50 commits between runs a second apart: 50 commits/s, below the default 100.
		FileState compacted = afterCommits(directory.resolve("compacted"), Duration.ofSeconds(1));

		// Without compaction most of the file is dead copies of pages (14 % live when measured), with it about half
		// or more is live (48-70 % over runs: the random keys decide how many pages each commit copies); the data is
		// the same, about 3 MB.
		assertThat(uncompacted.chunksFillRate()).as("live share of the chunks without compaction").isLessThan(25);
		assertThat(compacted.chunksFillRate()).as("live share of the chunks with compaction, against %d %% without",
				uncompacted.chunksFillRate())
			.isGreaterThan(2 * uncompacted.chunksFillRate());
		assertThat(uncompacted.size()).as("the file without compaction").isGreaterThan(20L * 1024 * 1024);
		assertThat(compacted.size()).as("the file with compaction, against %d bytes without", uncompacted.size())
			.isLessThan(uncompacted.size() / 2);
	}

	@Test
	void waitsWhileTheDatabaseCommitsMoreOftenThanTheMaximumRate(@TempDir Path directory)
			throws SQLException, IOException {
		// 50 commits between runs 100 ms apart: 500 commits/s, above the default 100.
		FileState busy = afterCommits(directory.resolve("busy"), Duration.ofMillis(100));

		assertThat(busy.chunksFillRate()).as("live share of the chunks of a busy database").isLessThan(25);
		assertThat(busy.size()).isGreaterThan(20L * 1024 * 1024);
	}

	@Test
	void isScheduledForAnEmbeddedFileDatabase(@TempDir Path directory) throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(directory.resolve("relay")));
		try (Connection open = dataSource.getConnection()) {
			compaction(dataSource, Duration.ofSeconds(3)).afterSingletonsInstantiated();

			assertThat(this.scheduler.delays).containsExactly(Duration.ofSeconds(3));
		}
	}

	@Test
	void isNotScheduledWhenTurnedOff(@TempDir Path directory) throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(directory.resolve("relay")));
		try (Connection open = dataSource.getConnection()) {
			compaction(dataSource, Duration.ZERO).afterSingletonsInstantiated();

			assertThat(this.scheduler.delays).isEmpty();
		}
	}

	@Test
	void leavesAnInMemoryDatabaseAlone() throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource("jdbc:h2:mem:compaction;DB_CLOSE_DELAY=-1");
		try (Connection open = dataSource.getConnection()) {
			EmbeddedH2Compaction compaction = compaction(dataSource, Duration.ofSeconds(1));
			compaction.afterSingletonsInstantiated();

			assertThat(this.scheduler.delays).isEmpty();
			assertThat(compaction.compact()).isFalse();
			open.createStatement().execute("shutdown");
		}
	}

	@Test
	void leavesAFileDatabaseWithAWriteDelayToH2sOwnBackgroundThread(@TempDir Path directory) throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2
			.dataSource("jdbc:h2:file:" + directory.resolve("relay") + ";WRITE_DELAY=500");
		try (Connection open = dataSource.getConnection()) {
			compaction(dataSource, Duration.ofSeconds(1)).afterSingletonsInstantiated();

			assertThat(this.scheduler.delays).isEmpty();
		}
	}

	/**
	 * Commits rows with random keys one by one, as the inbox does under low load (each commit changes a leaf of the
	 * key's index that later commits seldom touch again), runs the compaction every 50 commits with the clock moved
	 * by {@code between} ({@code null}: never), and measures the file while the database is open (H2 compacts a
	 * little when it closes). H2's retention time is 0 here, so that rewritten chunks are reused at once; Relay
	 * keeps H2's 45 s.
	 */
	private FileState afterCommits(Path file, @Nullable Duration between) throws SQLException, IOException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(file) + ";RETENTION_TIME=0");
		EmbeddedH2Compaction compaction = compaction(dataSource, Duration.ofSeconds(1));
		try (Connection connection = dataSource.getConnection()) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("create table event (id varchar(36) primary key, payload varchar(1000))");
			}
			connection.setAutoCommit(false);
			try (PreparedStatement insert = connection.prepareStatement("insert into event values (?, ?)")) {
				for (int i = 1; i <= COMMITS; i++) {
					insert.setString(1, UUID.randomUUID().toString());
					insert.setString(2, "x".repeat(1000));
					insert.executeUpdate();
					connection.commit();
					if (between != null && i % 50 == 0) {
						this.clock.advance(between);
						compaction.compact();
					}
				}
			}
			FileState state = new FileState(Files.size(Path.of(file + ".mv.db")), chunksFillRate(connection));
			try (Statement statement = connection.createStatement()) {
				statement.execute("shutdown");
			}
			return state;
		}
	}

	/** H2's share of live bytes in its chunks, in percent. */
	private static int chunksFillRate(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("select setting_value from information_schema.settings"
						+ " where setting_name = 'info.CHUNKS_FILL_RATE'")) {
			assertThat(rows.next()).as("H2 reports its chunks' fill rate").isTrue();
			return rows.getInt(1);
		}
	}

	private EmbeddedH2Compaction compaction(JdbcDataSource dataSource, Duration interval) {
		return new EmbeddedH2Compaction(dataSource, this.scheduler,
				new EmbeddedH2Properties(interval, DataSize.ofMegabytes(1), 100, Duration.ofSeconds(1)),
				this.clock);
	}

	private record FileState(long size, int chunksFillRate) {
	}

}
