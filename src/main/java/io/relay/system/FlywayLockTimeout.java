package io.relay.system;

import javax.sql.DataSource;

import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.springframework.boot.flyway.autoconfigure.FlywayConfigurationCustomizer;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * On PostgreSQL, Flyway's statements wait at most {@value #LOCK_TIMEOUT} for a table's lock. A migration that changes
 * a table, even one PostgreSQL changes in an instant ({@code add column}), first queues for the table's lock behind
 * every open transaction on it (a backup's {@code pg_dump}, a long report), and every write queued after it waits
 * too: the instances still running answer webhooks 503 for as long as that transaction runs, and iAdvize retries for
 * 30 seconds only. With the timeout the migration fails instead, the startup stops with PostgreSQL's reason
 * ({@code canceling statement due to lock timeout}), and the next start tries again. {@code spring.flyway.init-sqls},
 * when set, is used instead.
 */
final class FlywayLockTimeout implements FlywayConfigurationCustomizer {

	static final String LOCK_TIMEOUT = "5s";

	static final String INIT_SQL = "set lock_timeout = '" + LOCK_TIMEOUT + "'";

	@Override
	public void customize(FluentConfiguration configuration) {
		if (configuration.getInitSql() == null && isPostgres(configuration.getDataSource())) {
			configuration.initSql(INIT_SQL);
		}
	}

	private static boolean isPostgres(DataSource dataSource) {
		try {
			return Databases.isPostgres(new JdbcTemplate(dataSource));
		}
		catch (DataAccessException ex) {
			// Flyway reports the database being out of reach itself, with its own message.
			return false;
		}
	}

}
