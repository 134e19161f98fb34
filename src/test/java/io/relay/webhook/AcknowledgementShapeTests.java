package io.relay.webhook;

import java.net.http.HttpResponse;

import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acknowledgement's shape is a contract (iAdvize, the docs, the operators' scripts): an application's Jackson
 * settings, here a naming strategy, change the admin API's JSON but not it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.jackson.property-naming-strategy=SNAKE_CASE", "relay.workflows.log.enabled=false",
				"spring.datasource.url=jdbc:h2:mem:acknowledgement-${random.uuid};DB_CLOSE_DELAY=-1" })
class AcknowledgementShapeTests {

	@LocalServerPort
	int port;

	@Test
	void theAcknowledgementKeepsItsFieldNamesWhateverTheApplicationsJacksonSettings() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		WebhookClient client = WebhookClient.onPort(this.port);
		HttpResponse<String> accepted = client.deliver(event.body());
		assertThat(accepted.statusCode()).isEqualTo(202);
		assertThat(accepted.body()).isEqualTo("{\"eventId\":\"" + event.eventId() + "\",\"status\":\"accepted\"}");
		assertThat(client.deliver(event.body()).body())
			.isEqualTo("{\"eventId\":\"" + event.eventId() + "\",\"status\":\"duplicate\"}");
	}

}
