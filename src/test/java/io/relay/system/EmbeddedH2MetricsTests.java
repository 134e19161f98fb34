package io.relay.system;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.EmbeddedH2;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@link EmbeddedH2Metrics} shows the embedded H2 file as H2 itself and the file system see it. */
class EmbeddedH2MetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final RecordingScheduler scheduler = new RecordingScheduler();

	@Test
	void measuresTheFileOfAnEmbeddedDatabase(@TempDir Path directory) throws Exception {
		Path file = directory.resolve("relay");
		JdbcDataSource dataSource = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(file));
		try (Connection connection = dataSource.getConnection()) {
			try {
				new EmbeddedH2Metrics(dataSource, this.registry, this.scheduler).afterSingletonsInstantiated();
				double emptySize = gauge("relay.h2.file.size");

				commitRows(connection, 500);
				runScheduledRefresh();

				assertThat(gauge("relay.h2.file.size")).as("the file's size, read again")
					.isEqualTo(Files.size(Path.of(file + ".mv.db")))
					.isGreaterThan(emptySize);
				// One commit per row leaves dead copies of pages behind: the live share is below 1.
				assertThat(gauge("relay.h2.file.live")).as("the live share, against H2's own figure in percent")
					.isCloseTo(h2Setting(connection, "info.CHUNKS_FILL_RATE") / 100.0, within(0.01))
					.isLessThan(1.0);
			}
			finally {
				shutdown(connection);
			}
		}
	}

	@Test
	void measuresTheFreeSpaceOfTheFilesOwnFileSystem(@TempDir Path directory) throws Exception {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(directory.resolve("relay")));
		try (Connection connection = dataSource.getConnection()) {
			try {
				new EmbeddedH2Metrics(dataSource, this.registry, this.scheduler).afterSingletonsInstantiated();

				String path = directory.toAbsolutePath().normalize().toString();
				assertThat(this.registry.get("disk.total").tag("path", path).gauge().value())
					.isEqualTo(directory.toFile().getTotalSpace());
				assertThat(this.registry.get("disk.free").tag("path", path).gauge().value()).isPositive();
			}
			finally {
				shutdown(connection);
			}
		}
	}

	@Test
	void showsAFailedReadAsUnknownRatherThanTheLastValue(@TempDir Path directory) throws Exception {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(directory.resolve("relay"))
				+ ";IFEXISTS=TRUE");
		try (Connection connection = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(directory.resolve("relay")))
			.getConnection()) {
			new EmbeddedH2Metrics(dataSource, this.registry, this.scheduler).afterSingletonsInstantiated();
			assertThat(gauge("relay.h2.file.size")).isPositive();
			shutdown(connection);
		}
		Files.delete(directory.resolve("relay.mv.db"));

		runScheduledRefresh();

		assertThat(gauge("relay.h2.file.size")).isNaN();
		assertThat(gauge("relay.h2.file.live")).isNaN();
	}

	@Test
	void registersNothingForAnInMemoryDatabase() throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource("jdbc:h2:mem:metrics;DB_CLOSE_DELAY=-1");
		try (Connection connection = dataSource.getConnection()) {
			try {
				new EmbeddedH2Metrics(dataSource, this.registry, this.scheduler).afterSingletonsInstantiated();

				assertThat(this.registry.find("relay.h2.file.size").gauge()).isNull();
				assertThat(this.registry.find("relay.h2.file.live").gauge()).isNull();
				assertThat(this.registry.find("disk.free").gauge()).isNull();
				assertThat(this.scheduler.delays).isEmpty();
			}
			finally {
				shutdown(connection);
			}
		}
	}

	private void runScheduledRefresh() {
		assertThat(this.scheduler.delays).containsExactly(Duration.ofSeconds(5));
		this.scheduler.tasks.getFirst().run();
	}

	private double gauge(String name) {
		return this.registry.get(name).gauge().value();
	}

	/** One commit per row, as the inbox commits under low load: each one writes a chunk. */
	private static void commitRows(Connection connection, int rows) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("create table event (id int primary key, payload varchar(1000))");
		}
		try (PreparedStatement insert = connection.prepareStatement("insert into event values (?, ?)")) {
			for (int i = 0; i < rows; i++) {
				insert.setInt(1, i);
				insert.setString(2, "x".repeat(1000));
				insert.executeUpdate();
			}
		}
	}

	private static int h2Setting(Connection connection, String name) throws SQLException {
		try (PreparedStatement query = connection
			.prepareStatement("select setting_value from information_schema.settings where setting_name = ?")) {
			query.setString(1, name);
			try (ResultSet rows = query.executeQuery()) {
				assertThat(rows.next()).as("H2 reports %s", name).isTrue();
				return rows.getInt(1);
			}
		}
	}

	private static void shutdown(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("shutdown");
		}
	}

}
