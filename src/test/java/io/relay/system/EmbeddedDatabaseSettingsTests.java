package io.relay.system;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.relay.support.EmbeddedH2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded default's URL, as application.yml writes it, gives H2 the settings Relay relies on: every commit
 * written before it returns (decision 0002) and a 4 MB page cache (decision 0008). H2 reads options it does not
 * know as errors, but a value it does know can still be lost in an edit of the URL.
 */
class EmbeddedDatabaseSettingsTests {

	@Test
	void theDefaultUrlWritesEveryCommitAndKeepsASmallPageCache(@TempDir Path directory) throws SQLException {
		String elsewhere = EmbeddedH2.defaultUrlFor(directory.resolve("relay"));
		try (Connection connection = DriverManager.getConnection(elsewhere, "sa", "");
				Statement statement = connection.createStatement()) {
			assertThat(setting(statement, "WRITE_DELAY")).isEqualTo("0");
			assertThat(setting(statement, "info.CACHE_MAX_SIZE")).as("page cache, MB").isEqualTo("4");
			statement.execute("shutdown");
		}
	}

	private static String setting(Statement statement, String name) throws SQLException {
		try (ResultSet rows = statement.executeQuery(
				"select setting_value from information_schema.settings where setting_name = '" + name + "'")) {
			assertThat(rows.next()).as("setting %s", name).isTrue();
			return rows.getString(1);
		}
	}

}
