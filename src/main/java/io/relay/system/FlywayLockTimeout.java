package io.relay.system;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * On PostgreSQL, Flyway's statements wait at most {@value #LOCK_TIMEOUT} for a table's lock. A migration that changes
 * a table, even one PostgreSQL changes in an instant ({@code add column}), first queues for the table's lock behind
 * every open transaction on it (a backup's {@code pg_dump}, a long report), and every write queued after it waits
 * too: the instances still running answer webhooks 503 for as long as that transaction runs, and iAdvize retries for
 * 30 seconds only. With the timeout the migration fails instead, the startup stops with PostgreSQL's reason
 * ({@code canceling statement due to lock timeout}), and the next start tries again.
 * <p>
 * Flyway borrows the application's pooled connections: the setting is made on each one it takes and the pool's own
 * value put back before the connection returns to the pool, where a five-second limit would fail the
 * application's own lock waits. Not Flyway's {@code initSql}, which sets it for good. {@code spring.flyway.init-sqls},
 * when set, is used instead. The database is told apart on the first connection, so that a database down at startup
 * (Flyway's {@code connect-retries}) is not taken for another.
 */
final class FlywayLockTimeout implements FlywayConfigurationCustomizer {

	static final String LOCK_TIMEOUT = "5s";

	private static final Logger logger = LoggerFactory.getLogger(FlywayLockTimeout.class);

	@Override
	public void customize(FluentConfiguration configuration) {
		if (configuration.getInitSql() == null && configuration.getDataSource() != null) {
			configuration.dataSource(new LockTimeoutDataSource(configuration.getDataSource()));
		}
	}

	/** Connections with the lock timeout while Flyway holds them, on PostgreSQL. */
	static final class LockTimeoutDataSource extends DelegatingDataSource {

		LockTimeoutDataSource(DataSource target) {
			super(target);
		}

		@Override
		public Connection getConnection() throws SQLException {
			return limited(super.getConnection());
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			return limited(super.getConnection(username, password));
		}

		private static Connection limited(Connection connection) throws SQLException {
			String previous;
			try {
				if (!Databases.isPostgres(connection)) {
					return connection;
				}
				// The pool's own value (spring.datasource.hikari.connection-init-sql may set one), put back on close.
				try (Statement statement = connection.createStatement();
						ResultSet current = statement.executeQuery("show lock_timeout")) {
					previous = current.next() ? current.getString(1) : "0";
					statement.execute("set lock_timeout = '" + LOCK_TIMEOUT + "'");
				}
			}
			catch (SQLException | RuntimeException ex) {
				connection.close();
				throw ex;
			}
			return (Connection) Proxy.newProxyInstance(FlywayLockTimeout.class.getClassLoader(),
					new Class<?>[] { Connection.class }, new RestoreOnClose(connection, previous));
		}

	}

	private record RestoreOnClose(Connection connection, String previous) implements InvocationHandler {

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			switch (method.getName()) {
				case "equals" -> {
					return proxy == args[0];
				}
				case "hashCode" -> {
					return System.identityHashCode(proxy);
				}
				case "close" -> {
					if (!restore()) {
						// Aborted: the pool drops it, and its own close of an aborted connection would only fail.
						try {
							this.connection.close();
						}
						catch (SQLException ex) {
							logger.debug("Closing an aborted connection", ex);
						}
						return null;
					}
				}
				default -> {
				}
			}
			try {
				return method.invoke(this.connection, args);
			}
			catch (InvocationTargetException ex) {
				throw ex.getTargetException();
			}
		}

		/** Puts the pool's lock timeout back; {@code false} when it could not, and the connection was aborted. */
		private boolean restore() {
			try {
				if (this.connection.isClosed()) {
					return true;
				}
				if (!this.connection.getAutoCommit()) {
					// A transaction Flyway left open (a failed migration's): the statement would fail in it.
					this.connection.rollback();
				}
				try (PreparedStatement statement = this.connection
					.prepareStatement("select set_config('lock_timeout', ?, false)")) {
					statement.setString(1, this.previous);
					statement.execute();
				}
				return true;
			}
			catch (SQLException ex) {
				// Not back to the pool with Flyway's limit on it: the pool drops an aborted connection.
				logger.debug("Could not restore lock_timeout on a connection Flyway used: dropping it", ex);
				try {
					this.connection.abort(Runnable::run);
				}
				catch (SQLException ignored) {
					// Dropped by its close anyway.
				}
				return false;
			}
		}

	}

}
