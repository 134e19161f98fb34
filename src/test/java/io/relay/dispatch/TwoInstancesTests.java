package io.relay.dispatch;

import java.util.ArrayList;
import java.util.List;

import io.relay.RelayApplication;
import io.relay.support.Fixtures;
import io.relay.support.TestPostgres;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two Relay instances on one PostgreSQL database share the deliveries without running any of them twice.
 */
class TwoInstancesTests {

	@Test
	void twoInstancesShareTheWorkAndRunEachDeliveryOnce() {
		String url = TestPostgres.newDatabase("two_instances");
		try (ConfigurableApplicationContext first = start(url); ConfigurableApplicationContext second = start(url)) {
			List<WebhookClient> clients = List.of(client(first), client(second));
			List<String> events = new ArrayList<>();
			for (int i = 0; i < 300; i++) {
				Fixtures.Event event = Fixtures.withFreshId("user.updated.json");
				assertThat(clients.get(i % 2).deliver(event.body()).statusCode()).isEqualTo(202);
				events.add(event.eventId());
			}
			JdbcTemplate jdbc = first.getBean(JdbcTemplate.class);
			await().untilAsserted(() -> assertThat(jdbc.queryForObject(
					"select count(*) from dispatch_delivery where handler = 'recording' and status = 'SUCCEEDED'",
					Integer.class))
				.isEqualTo(events.size()));
			assertThat(jdbc.queryForObject("select count(*) from test_handler_run", Integer.class))
				.as("runs: each delivery exactly once")
				.isEqualTo(events.size());
			assertThat(jdbc.queryForObject("select count(distinct delivery_id) from test_handler_run", Integer.class))
				.isEqualTo(events.size());
			assertThat(jdbc.queryForObject("select count(distinct instance) from test_handler_run", Integer.class))
				.as("both instances did some of the work")
				.isEqualTo(2);
		}
	}

	private static ConfigurableApplicationContext start(String url) {
		return new SpringApplicationBuilder(RelayApplication.class).run("--server.port=0",
				"--relay.webhook.secrets=" + WebhookClient.SECRET, "--spring.datasource.url=" + url,
				"--spring.datasource.username=" + TestPostgres.username(),
				"--spring.datasource.password=" + TestPostgres.password(), "--relay.test.recording-handler=true",
				"--relay.test.recording-handler-millis=5", "--relay.dispatch.poll-interval=20ms",
				"--relay.workflows.log.enabled=false", "--logging.level.io.relay=WARN");
	}

	private static WebhookClient client(ConfigurableApplicationContext context) {
		return WebhookClient.onPort(((WebServerApplicationContext) context).getWebServer().getPort());
	}

}
