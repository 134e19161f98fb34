package io.relay.support;

import java.util.UUID;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * A fresh database with Relay's migrations applied, for tests of one repository or service without an application
 * context: an in-memory H2, or a new database on the tests' PostgreSQL server.
 */
public final class MigratedDatabase {

	private MigratedDatabase() {
	}

	/** {@code "h2"} or {@code "postgres"} (the values of tests parameterised over both databases). */
	public static DataSource of(String database, String name) {
		return switch (database) {
			case "h2" -> h2(name);
			case "postgres" -> postgres(name);
			default -> throw new IllegalArgumentException("no database '" + database + "'");
		};
	}

	public static DataSource h2(String name) {
		return migrated(new DriverManagerDataSource(
				"jdbc:h2:mem:" + name + "-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", ""));
	}

	public static DataSource postgres(String prefix) {
		return migrated(new DriverManagerDataSource(TestPostgres.newDatabase(prefix), TestPostgres.username(),
				TestPostgres.password()));
	}

	private static DataSource migrated(DataSource dataSource) {
		Flyway.configure().dataSource(dataSource).load().migrate();
		return dataSource;
	}

}
