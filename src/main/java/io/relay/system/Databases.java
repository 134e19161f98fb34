package io.relay.system;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Which of the two supported databases Relay runs on, for the few statements that differ (PostgreSQL's
 * {@code ON CONFLICT} and {@code SKIP LOCKED} against H2's {@code MERGE} and single instance).
 */
public final class Databases {

	/**
	 * The first keys of Relay's two-key PostgreSQL advisory locks, one per use, kept here so that no two uses share
	 * one (the one-key form is the dispatcher's, for its ordering keys: a key space of its own).
	 */
	public static final int RETENTION_LOCK_SPACE = 0x52454C44;

	/** See {@link #RETENTION_LOCK_SPACE}: the promo-code pool's lock per conversation. */
	public static final int PROMO_CODE_LOCK_SPACE = 0x50524F4D;

	private Databases() {
	}

	/** Whether {@code jdbc} talks to PostgreSQL (otherwise H2). Asks the driver once: call it at construction. */
	public static boolean isPostgres(JdbcTemplate jdbc) {
		return Boolean.TRUE.equals(jdbc.execute((ConnectionCallback<Boolean>) Databases::isPostgres));
	}

	/** Whether {@code connection} is to PostgreSQL (otherwise H2). */
	static boolean isPostgres(Connection connection) throws SQLException {
		String product = connection.getMetaData().getDatabaseProductName();
		return product != null && product.toLowerCase(Locale.ROOT).contains("postgres");
	}

	/**
	 * The text to store in a column of at most {@code maxLength} characters, on either database: without NUL
	 * characters, which PostgreSQL refuses in text (H2 takes them), and cut to the length with an ellipsis. A value
	 * that breaks a column fails its whole statement, which for a batched write means every row in it; error
	 * messages and event fields quote what others sent, so they must never reach a column unchecked.
	 */
	public static @Nullable String text(@Nullable String value, int maxLength) {
		if (value == null) {
			return null;
		}
		String text = (value.indexOf('\0') >= 0) ? value.replace('\0', '\uFFFD') : value;
		if (text.length() <= maxLength) {
			return text;
		}
		int end = maxLength - 1;
		if (Character.isHighSurrogate(text.charAt(end - 1))) {
			end--; // never half a character (an emoji) before the ellipsis
		}
		return text.substring(0, end) + "…";
	}

}
