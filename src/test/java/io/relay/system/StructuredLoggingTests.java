package io.relay.system;

import java.util.List;

import io.relay.support.Fixtures;
import io.relay.support.RelayProcess;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With Spring Boot's structured logging on, every line about an event is JSON carrying its ids, and no secret is
 * ever written. Relay runs in a JVM of its own: logging is set up once per JVM, so a test context could not switch
 * the format of a test JVM whose logging another test already initialised.
 */
class StructuredLoggingTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@Test
	void linesAboutAnEventAreJsonWithItsIdsAndSecretsAreNeverLogged() {
		try (RelayProcess relay = RelayProcess.start("structured-logging", "--logging.structured.format.console=logstash",
				"--relay.webhook.secrets=" + WebhookClient.SECRET + ",second-very-secret-token",
				"--spring.security.user.password=admin-very-secret-password",
				"--spring.datasource.url=jdbc:h2:mem:structured-logging;DB_CLOSE_DELAY=-1",
				"--logging.level.io.relay=DEBUG")) {
			Fixtures.Event event = Fixtures.withFreshId("v2.conversation.closed.json");
			String correlationId = "corr-" + event.eventId();
			WebhookClient client = relay.client();
			assertThat(client.request(event.body()).correlationId(correlationId).deliveryId("delivery-1").send()
				.statusCode()).isEqualTo(202);
			client.request(event.body()).signedWith("forged").send();

			await().untilAsserted(() -> assertThat(linesAbout(relay.log(), event.eventId()))
				.anySatisfy((line) -> assertThat(line.get("logger_name").asString()).endsWith("LogHandler")));
			List<JsonNode> lines = linesAbout(relay.log(), event.eventId());
			JsonNode intake = lines.stream()
				.filter((line) -> line.get("logger_name").asString().endsWith("WebhookController"))
				.findFirst()
				.orElseThrow();
			assertThat(intake.get("eventId").asString()).isEqualTo(event.eventId());
			assertThat(intake.get("correlationId").asString()).isEqualTo(correlationId);
			assertThat(intake.get("deliveryId").asString()).isEqualTo("delivery-1");
			JsonNode handled = lines.stream()
				.filter((line) -> line.get("logger_name").asString().endsWith("LogHandler"))
				.findFirst()
				.orElseThrow();
			assertThat(handled.get("eventId").asString()).isEqualTo(event.eventId());
			assertThat(handled.get("handler").asString()).isEqualTo("log");
			assertThat(handled.get("deliveryId").asString()).matches("\\d+");

			relay.stop();
			assertThat(relay.log()).doesNotContain("second-very-secret-token", "admin-very-secret-password");
		}
	}

	private static List<JsonNode> linesAbout(String log, String eventId) {
		return log.lines()
			.filter((line) -> line.startsWith("{") && line.contains(eventId))
			.map(json::readTree)
			.filter((line) -> line.has("eventId") && eventId.equals(line.get("eventId").asString()))
			.toList();
	}

}
