package io.relay.system;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

import io.relay.support.WebhookClient;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The embedded H2 store closing under a running Relay (as after a write that failed on a full disk): intake answers
 * 503 while it is closed, and accepts again within seconds, not at the pool's max-lifetime.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:file:./target/h2/closed-store-${random.uuid};WRITE_DELAY=0;"
						+ "DB_CLOSE_ON_EXIT=FALSE",
				"relay.workflows.log.enabled=false" })
class ClosedH2DatabaseEvictionTests {

	@LocalServerPort
	int port;

	@Autowired
	DataSource dataSource;

	@Test
	void intakeRecoversOnceTheStoreHasClosed() throws Exception {
		WebhookClient webhook = WebhookClient.onPort(this.port);
		assertThat(webhook.deliver(event()).statusCode()).isEqualTo(202);

		try (Connection connection = this.dataSource.getConnection()) {
			MVStore store = EmbeddedH2Store.of(connection);
			assertThat(store).isNotNull();
			store.closeImmediately();
		}
		assertThat(webhook.deliver(event()).statusCode()).isEqualTo(503);

		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			HttpResponse<String> answer = webhook.deliver(event());
			assertThat(answer.statusCode()).isEqualTo(202);
		});
	}

	private static String event() {
		return "{\"eventId\": \"" + UUID.randomUUID() + "\", \"eventType\": \"v2.conversation.pushed\", "
				+ "\"platform\": \"sd\", \"conversationId\": \"c-1\", \"projectId\": 1, \"channel\": \"chat\"}";
	}

}
