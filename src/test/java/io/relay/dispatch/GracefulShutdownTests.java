package io.relay.dispatch;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import io.relay.RelayApplication;
import io.relay.support.Fixtures;
import io.relay.support.RecordingHandler;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A graceful shutdown lets running deliveries finish and leaves the others PENDING for the next start.
 */
class GracefulShutdownTests {

	@Test
	void runningDeliveriesFinishAndTheRestStayPending() throws SQLException {
		String url = "jdbc:h2:file:" + Path.of("target", "h2", "shutdown-" + System.nanoTime()).toAbsolutePath()
				+ ";WRITE_DELAY=0";
		try (ConfigurableApplicationContext relay = new SpringApplicationBuilder(RelayApplication.class).run(
				"--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET, "--spring.datasource.url=" + url,
				"--relay.test.recording-handler=true", "--relay.test.recording-handler-millis=1500",
				"--relay.dispatch.workers=2", "--relay.workflows.log.enabled=false")) {
			WebhookClient client = WebhookClient.onPort(((WebServerApplicationContext) relay).getWebServer().getPort());
			for (int i = 0; i < 6; i++) {
				assertThat(client.deliver(Fixtures.withFreshId("user.created.json").body()).statusCode())
					.isEqualTo(202);
			}
			JdbcTemplate jdbc = relay.getBean(JdbcTemplate.class);
			// Claimed by this instance: 2 running on the 2 workers, the others waiting for a worker.
			await().until(() -> jdbc.queryForObject("select count(*) from dispatch_delivery where status = 'RUNNING'",
					Integer.class) >= 3);
		} // the graceful shutdown

		try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
			Map<String, Integer> statuses = new HashMap<>();
			try (ResultSet rs = connection.createStatement()
				.executeQuery("select status, count(*) from dispatch_delivery group by status")) {
				while (rs.next()) {
					statuses.put(rs.getString(1), rs.getInt(2));
				}
			}
			int runs;
			try (ResultSet rs = connection.createStatement().executeQuery("select count(*) from test_handler_run")) {
				rs.next();
				runs = rs.getInt(1);
			}
			assertThat(statuses).doesNotContainKey("RUNNING").doesNotContainKey("FAILED");
			assertThat(statuses.get("SUCCEEDED")).as("the running deliveries finished").isGreaterThanOrEqualTo(2)
				.isEqualTo(runs);
			assertThat(statuses.get("PENDING")).as("the others were left for the next start").isPositive();
			assertThat(statuses.get("SUCCEEDED") + statuses.get("PENDING")).isEqualTo(6);
			try (ResultSet rs = connection.createStatement()
				.executeQuery("select count(*) from dispatch_delivery where locked_by is not null")) {
				rs.next();
				assertThat(rs.getInt(1)).isZero();
			}
			// They never reached the handler: claimed, but no attempt spent (the next start's is their first).
			try (ResultSet rs = connection.createStatement()
				.executeQuery("select max(attempts) from dispatch_delivery where status = 'PENDING'")) {
				rs.next();
				assertThat(rs.getInt(1)).isZero();
			}
		}
	}

	@Test
	void aHandlerThatOutlivesTheShutdownKeepsItsLeaseInsteadOfBeingHandedBack() throws SQLException {
		String url = "jdbc:h2:file:" + Path.of("target", "h2", "shutdown-stuck-" + System.nanoTime()).toAbsolutePath()
				+ ";WRITE_DELAY=0";
		// The handler ignores the interrupt and runs on after the shutdown timeout and the grace that follows it.
		CountDownLatch stuck = RecordingHandler.hold();
		try {
			try (ConfigurableApplicationContext relay = new SpringApplicationBuilder(RelayApplication.class).run(
					"--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET,
					"--spring.datasource.url=" + url, "--relay.test.recording-handler=true",
					"--relay.dispatch.shutdown-timeout=200ms", "--relay.dispatch.workers=1",
					"--relay.workflows.log.enabled=false")) {
				WebhookClient client = WebhookClient
					.onPort(((WebServerApplicationContext) relay).getWebServer().getPort());
				for (int i = 0; i < 2; i++) {
					assertThat(client.deliver(Fixtures.withFreshId("user.created.json").body()).statusCode())
						.isEqualTo(202);
				}
				// One in the handler (the one worker), the other claimed and waiting for it.
				await().until(RecordingHandler::held, (held) -> held == 1);
			} // the graceful shutdown

			try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
				Map<String, Integer> rows = new HashMap<>();
				try (ResultSet rs = connection.createStatement()
					.executeQuery("select status, attempts, locked_by is not null from dispatch_delivery")) {
					while (rs.next()) {
						rows.merge(rs.getString(1) + " attempts=" + rs.getInt(2) + " locked=" + rs.getBoolean(3), 1,
								Integer::sum);
					}
				}
				// Handed back, the one still in its handler could start on another instance while it runs here.
				assertThat(rows).containsOnly(Map.entry("RUNNING attempts=1 locked=true", 1),
						Map.entry("PENDING attempts=0 locked=false", 1));
			}
		}
		finally {
			stuck.countDown();
		}
	}

}
