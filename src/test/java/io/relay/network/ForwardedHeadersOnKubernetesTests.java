package io.relay.network;

import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On a cloud platform (Kubernetes here), Spring Boot would believe {@code X-Forwarded-For} from any private address
 * unless the forwarded-headers strategy is set: Relay sets it ({@code none}), so the source allow-list sees the TCP
 * peer unless {@code relay.network.trusted-proxies} says otherwise.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:mem:forwarded-headers-kubernetes;DB_CLOSE_DELAY=-1",
				"spring.main.cloud-platform=kubernetes", "relay.network.allowed-sources=35.158.241.155" })
class ForwardedHeadersOnKubernetesTests {

	@LocalServerPort
	int port;

	@Test
	void aForwardedAddressFromAnUntrustedPeerIsNotBelieved() {
		// The test client is 127.0.0.1, a "private" address Tomcat's native strategy would trust as a proxy.
		assertThat(WebhookClient.onPort(this.port)
			.request(Fixtures.withFreshId("user.created.json").body())
			.header("X-Forwarded-For", "35.158.241.155")
			.send()
			.statusCode()).isEqualTo(403);
	}

}
