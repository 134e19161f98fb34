package io.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server (zonky's embedded binaries from Maven Central), started once per test JVM; each caller
 * gets a database of its own. Never a mock: the inbox relies on PostgreSQL's own ON CONFLICT and commit semantics.
 */
public final class TestPostgres {

	private static final AtomicInteger databases = new AtomicInteger();

	private static EmbeddedPostgres server;

	private TestPostgres() {
	}

	/** A JDBC URL to a fresh, empty database. */
	public static synchronized String newDatabase(String prefix) {
		EmbeddedPostgres postgres = server();
		String name = (prefix + "_" + databases.incrementAndGet()).toLowerCase(Locale.ROOT);
		try (Connection connection = postgres.getPostgresDatabase().getConnection();
				Statement statement = connection.createStatement()) {
			statement.execute("create database " + name);
		}
		catch (SQLException ex) {
			throw new IllegalStateException(ex);
		}
		return postgres.getJdbcUrl("postgres", name);
	}

	public static String username() {
		return "postgres";
	}

	public static String password() {
		return "postgres";
	}

	/** A server of its own, for tests that stop it. */
	public static EmbeddedPostgres startDedicated() {
		return start();
	}

	private static EmbeddedPostgres server() {
		if (server == null) {
			server = start();
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				try {
					server.close();
				}
				catch (IOException ex) {
					// the JVM is exiting
				}
			}));
		}
		return server;
	}

	private static EmbeddedPostgres start() {
		try {
			// zonky turns synchronous_commit off by default: Relay's promise depends on it being on.
			return EmbeddedPostgres.builder()
				.setServerConfig("synchronous_commit", "on")
				.setServerConfig("fsync", "on")
				.setServerConfig("max_connections", "300")
				.start();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("could not start the embedded PostgreSQL", ex);
		}
	}

}
