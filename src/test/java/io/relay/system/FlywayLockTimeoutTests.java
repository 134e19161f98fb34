package io.relay.system;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.relay.support.MigratedDatabase;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A migration on PostgreSQL gives up waiting for a table's lock after a few seconds, rather than holding every write
 * queued behind it for as long as another transaction runs.
 */
class FlywayLockTimeoutTests {

	@Test
	void aMigrationBehindALongTransactionFailsAndTheNextStartAppliesIt() throws Exception {
		// Before V45 (a column added to dispatch_delivery: an instant change, once it has the table's lock).
		DataSource dataSource = MigratedDatabase.upTo("44", "postgres", "flyway_lock_timeout");
		try (Connection backup = dataSource.getConnection(); Statement statement = backup.createStatement()) {
			// A pg_dump, or a long report: a read that holds its share lock until it ends.
			backup.setAutoCommit(false);
			statement.execute("select count(*) from dispatch_delivery");

			assertThatExceptionOfType(FlywayException.class).isThrownBy(() -> flyway(dataSource).migrate())
				.withStackTraceContaining("lock timeout");
			backup.commit();
		}
		assertThat(flyway(dataSource).migrate().success).isTrue();
		assertThat(new JdbcTemplate(dataSource).queryForObject("select count(*) from information_schema.columns "
				+ "where table_name = 'dispatch_delivery' and column_name = 'filter_at_run'", Integer.class))
			.isOne();
	}

	@Test
	void theConnectionsFlywayBorrowedGoBackToThePoolWithoutTheLimit() throws Exception {
		DataSource database = MigratedDatabase.upTo("44", "postgres", "flyway_lock_timeout_pool");
		HikariConfig config = new HikariConfig();
		config.setDataSource(database);
		// The pool's own limit, which must be there again after Flyway (not PostgreSQL's default).
		config.setConnectionInitSql("set lock_timeout = '30s'");
		// Flyway holds two at once (one for its schema history table).
		config.setMaximumPoolSize(2);
		try (HikariDataSource pool = new HikariDataSource(config)) {
			assertThat(flyway(pool).migrate().success).isTrue();
			// The pool's connections, those Flyway used: the application's lock waits must not end at 5 s.
			try (Connection first = pool.getConnection(); Connection second = pool.getConnection()) {
				for (Connection connection : List.of(first, second)) {
					assertThat(new JdbcTemplate(new SingleConnectionDataSource(connection, true))
						.queryForObject("show lock_timeout", String.class)).isEqualTo("30s");
				}
			}
		}
	}

	@Test
	void onH2AndWithAnInitSqlConfiguredNothingChanges() {
		FluentConfiguration h2 = Flyway.configure().dataSource(MigratedDatabase.h2("flyway_lock_timeout"));
		new FlywayLockTimeout().customize(h2);
		// H2 has no such setting: connections pass through as they are.
		assertThat(h2.load().migrate().success).isTrue();

		DataSource postgres = MigratedDatabase.postgres("flyway_lock_timeout_set");
		FluentConfiguration configured = Flyway.configure().dataSource(postgres).initSql("set lock_timeout = '30s'");
		new FlywayLockTimeout().customize(configured);
		assertThat(configured.getDataSource()).isSameAs(postgres);
		assertThat(configured.getInitSql()).isEqualTo("set lock_timeout = '30s'");
	}

	private static Flyway flyway(DataSource dataSource) {
		FluentConfiguration configuration = Flyway.configure().dataSource(dataSource);
		new FlywayLockTimeout().customize(configuration);
		return configuration.load();
	}

}
