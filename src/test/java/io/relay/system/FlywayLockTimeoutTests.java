package io.relay.system;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.relay.support.MigratedDatabase;
import io.relay.support.TestPostgres;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

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

	/**
	 * Two instances starting at once on a new database (a rolling deploy, or a scaled-up service): one migrates, the
	 * other waits for Flyway's lock past the migrations' 5 s lock timeout (the lock is tried once a second, which the
	 * timeout does not cut short), then finds nothing left to do. Both start; each migration is applied once.
	 */
	@Test
	void twoInstancesStartingTogetherBothStartAndMigrateOnce() throws Exception {
		String url = TestPostgres.newDatabase("flyway_together");
		String separator = url.contains("?") ? "&" : "?";
		DataSource first = new DriverManagerDataSource(url + separator + "ApplicationName=first",
				TestPostgres.username(), TestPostgres.password());
		DataSource second = new DriverManagerDataSource(url + separator + "ApplicationName=second",
				TestPostgres.username(), TestPostgres.password());
		JdbcTemplate observer = new JdbcTemplate(new DriverManagerDataSource(url, TestPostgres.username(),
				TestPostgres.password()));
		AtomicBoolean held = new AtomicBoolean();
		// The first holds Flyway's lock in its first migration until the second has waited for it longer than the
		// lock timeout.
		Callback holdTheLock = new Callback() {

			@Override
			public boolean supports(Event event, Context context) {
				return event == Event.BEFORE_EACH_MIGRATE;
			}

			@Override
			public boolean canHandleInTransaction(Event event, Context context) {
				return true;
			}

			@Override
			public void handle(Event event, Context context) {
				if (held.compareAndSet(false, true)) {
					await().atMost(Duration.ofSeconds(60)).until(() -> observer.queryForObject("select count(*) from "
							+ "pg_stat_activity where application_name = 'second' and query like '%pg_try_advisory%' "
							+ "and backend_start < now() - interval '7 seconds'", Integer.class) > 0);
				}
			}

			@Override
			public String getCallbackName() {
				return "hold the lock";
			}

		};
		ExecutorService instances = Executors.newFixedThreadPool(2);
		try {
			Future<MigrateResult> firstStart = instances
				.submit(() -> configured(first).callbacks(holdTheLock).load().migrate());
			await().untilTrue(held);
			Future<MigrateResult> secondStart = instances.submit(() -> configured(second).load().migrate());

			assertThat(firstStart.get(90, TimeUnit.SECONDS).migrationsExecuted).isPositive();
			assertThat(secondStart.get(90, TimeUnit.SECONDS).migrationsExecuted).isZero();
		}
		finally {
			instances.shutdownNow();
		}
		assertThat(observer.queryForObject("select count(*) from flyway_schema_history where not success",
				Integer.class)).isZero();
		assertThat(observer.queryForObject("select count(*) - count(distinct version) from flyway_schema_history",
				Integer.class)).isZero();
	}

	/** As Relay configures Flyway: application.yml's lock-retry-count, and the lock timeout. */
	private static FluentConfiguration configured(DataSource dataSource) {
		FluentConfiguration configuration = Flyway.configure().dataSource(dataSource).lockRetryCount(600);
		new FlywayLockTimeout().customize(configuration);
		return configuration;
	}

	private static Flyway flyway(DataSource dataSource) {
		FluentConfiguration configuration = Flyway.configure().dataSource(dataSource);
		new FlywayLockTimeout().customize(configuration);
		return configuration.load();
	}

}
