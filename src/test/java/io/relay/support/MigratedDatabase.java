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
		return migrated(empty(database, name));
	}

	public static DataSource h2(String name) {
		return of("h2", name);
	}

	public static DataSource postgres(String prefix) {
		return of("postgres", prefix);
	}

	/**
	 * A database migrated up to {@code version} only, as an instance from before a later migration left it: for
	 * tests of what that migration does to the rows already there (then {@link #migrated} applies the rest).
	 */
	public static DataSource upTo(String version, String database, String name) {
		DataSource dataSource = empty(database, name);
		Flyway.configure().dataSource(dataSource).target(version).load().migrate();
		return dataSource;
	}

	/** Applies the migrations {@code dataSource} does not have yet. */
	public static DataSource migrated(DataSource dataSource) {
		Flyway.configure().dataSource(dataSource).load().migrate();
		return dataSource;
	}

	private static DataSource empty(String database, String name) {
		return switch (database) {
			case "h2" -> new DriverManagerDataSource(
					"jdbc:h2:mem:" + name + "-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
			case "postgres" -> new DriverManagerDataSource(TestPostgres.newDatabase(name), TestPostgres.username(),
					TestPostgres.password());
			default -> throw new IllegalArgumentException("no database '" + database + "'");
		};
	}

}
