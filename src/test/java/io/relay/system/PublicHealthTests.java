package io.relay.system;

import java.net.http.HttpResponse;

import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The public health answer (iAdvize's app health check, load balancers) depends on Relay and its database only: a
 * mail server that is away does not turn it DOWN; a Relay that refuses traffic (starting, stopping) is out of service.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:mem:public-health;DB_CLOSE_DELAY=-1",
				// Nothing listens on port 1: a mail health check would be DOWN.
				"spring.mail.host=127.0.0.1", "spring.mail.port=1" })
class PublicHealthTests {

	@LocalServerPort
	int port;

	@Autowired
	ApplicationContext context;

	@Test
	void readinessIsOutOfServiceWhileRelayRefusesTraffic() {
		// What Spring Boot publishes while the application starts and from the moment it starts shutting down.
		AvailabilityChangeEvent.publish(this.context, ReadinessState.REFUSING_TRAFFIC);
		try {
			HttpResponse<String> readiness = WebhookClient.onPort(this.port).get("/actuator/health/readiness");
			assertThat(readiness.statusCode()).isEqualTo(503);
			assertThat(readiness.body()).isEqualTo("{\"status\":\"OUT_OF_SERVICE\"}");
		}
		finally {
			AvailabilityChangeEvent.publish(this.context, ReadinessState.ACCEPTING_TRAFFIC);
		}
		assertThat(WebhookClient.onPort(this.port).get("/actuator/health/readiness").body())
			.isEqualTo("{\"status\":\"UP\"}");
	}

	@Test
	void staysUpWhileTheMailServerIsAway() {
		HttpResponse<String> health = WebhookClient.onPort(this.port).get("/actuator/health");
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
	}

}
