package io.relay.system;

import java.sql.Connection;
import java.sql.SQLException;

import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.mvstore.MVStore;
import org.jspecify.annotations.Nullable;

/**
 * Reaches the MVStore of an embedded H2 file database through H2's public classes ({@code JdbcConnection} →
 * {@code SessionLocal} → {@code Database} → {@code Store}).
 */
final class EmbeddedH2Store {

	private EmbeddedH2Store() {
	}

	/**
	 * The MVStore behind {@code connection} if it is an embedded H2 file database; {@code null} for any other:
	 * PostgreSQL, a server-mode H2 (another process's file), an in-memory H2 (no file). Use it only while the
	 * connection is open, so that the database stays open under it.
	 */
	static @Nullable MVStore of(Connection connection) throws SQLException {
		if (!connection.isWrapperFor(JdbcConnection.class)
				|| !(connection.unwrap(JdbcConnection.class).getSession() instanceof SessionLocal session)) {
			return null;
		}
		MVStore store = session.getDatabase().getStore().getMvStore();
		return (store.getFileStore() != null) ? store : null;
	}

}
