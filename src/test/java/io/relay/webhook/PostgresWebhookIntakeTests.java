package io.relay.webhook;

import io.relay.support.TestPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
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

	@Test
	void migrationsWaitForATablesLockAFewSecondsOnlyAndInstancesWaitForEachOtherLonger() {
		// The application's own Flyway: Relay's customizer and application.yml applied (FlywayLockTimeoutTests).
		assertThat(this.flyway.getConfiguration().getInitSql()).isEqualTo("set lock_timeout = '5s'");
		assertThat(this.flyway.getConfiguration().getLockRetryCount()).isEqualTo(600);
	}

}
