package io.relay.system;

import java.util.Locale;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Which of the two supported databases Relay runs on, for the few statements that differ (PostgreSQL's
 * {@code ON CONFLICT} and {@code SKIP LOCKED} against H2's {@code MERGE} and single instance).
 */
public final class Databases {

	private Databases() {
	}

	/** Whether {@code jdbc} talks to PostgreSQL (otherwise H2). Asks the driver once: call it at construction. */
	public static boolean isPostgres(JdbcTemplate jdbc) {
		String product = jdbc.execute((ConnectionCallback<String>) (c) -> c.getMetaData().getDatabaseProductName());
		return product != null && product.toLowerCase(Locale.ROOT).contains("postgres");
	}

}
