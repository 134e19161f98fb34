package io.relay.webhook;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.relay.support.TestPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

class PostgresWebhookIntakeTests extends WebhookIntakeTests {

	@DynamicPropertySource
	static void postgres(DynamicPropertyRegistry registry) {
		String url = TestPostgres.newDatabase("intake");
		registry.add("spring.datasource.url", () -> url);
		registry.add("spring.datasource.username", TestPostgres::username);
		registry.add("spring.datasource.password", TestPostgres::password);
	}

	@Autowired
	Flyway flyway;

	@Autowired
	DataSource dataSource;

	@Test
	void migrationsWaitForATablesLockAFewSecondsOnlyAndInstancesWaitForEachOtherLonger() throws Exception {
		// The application's own Flyway: Relay's customizer and application.yml applied (FlywayLockTimeoutTests).
		Connection flywaysOwn = this.flyway.getConfiguration().getDataSource().getConnection();
		try (flywaysOwn; Statement statement = flywaysOwn.createStatement();
				ResultSet limit = statement.executeQuery("show lock_timeout")) {
			assertThat(limit.next()).isTrue();
			assertThat(limit.getString(1)).isEqualTo("5s");
		}
		assertThat(this.flyway.getConfiguration().getLockRetryCount()).isEqualTo(600);
		// Every connection of the pool, those Flyway borrowed at startup included, waits for locks without that limit.
		List<Connection> pool = new ArrayList<>();
		try {
			for (int i = 0; i < 10; i++) {
				pool.add(this.dataSource.getConnection());
			}
			for (Connection connection : pool) {
				assertThat(new JdbcTemplate(new SingleConnectionDataSource(connection, true))
					.queryForObject("show lock_timeout", String.class)).isEqualTo("0");
			}
		}
		finally {
			for (Connection connection : pool) {
				connection.close();
			}
		}
	}

}
