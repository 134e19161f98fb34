package io.relay.network;

import java.net.http.HttpResponse;

import io.micrometer.core.instrument.MeterRegistry;
import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The allow-list over real HTTP: the test client connects from 127.0.0.1, which is configured as the trusted
 * proxy, so that {@code X-Forwarded-For} plays the part of the real source.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:mem:source-allow-list;DB_CLOSE_DELAY=-1",
				"relay.network.allowed-sources=35.158.241.155,3.66.0.0/16,2001:db8::/32",
				"relay.network.trusted-proxies=127.0.0.1" })
@ExtendWith(OutputCaptureExtension.class)
class SourceAllowListFilterTests {

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry meters;

	WebhookClient client;

	@BeforeEach
	void client() {
		this.client = WebhookClient.onPort(this.port);
	}

	@Test
	void deliveriesFromAnAllowedSourceAreAccepted() {
		assertThat(deliverFrom("35.158.241.155").statusCode()).isEqualTo(202);
		assertThat(deliverFrom("3.66.4.54").statusCode()).isEqualTo(202);
		assertThat(deliverFrom("2001:db8::4").statusCode()).isEqualTo(202);
	}

	@Test
	void deliveriesFromAnyOtherSourceAreRefusedWithAProblem() {
		double before = refusedCount();
		HttpResponse<String> response = deliverFrom("198.51.100.4");
		assertThat(response.statusCode()).isEqualTo(403);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(response.body()).contains("\"status\":403")
			.contains("\"title\":\"Source not allowed\"")
			.contains("198.51.100.4")
			.contains("relay.network.allowed-sources")
			.contains("\"instance\":\"/webhooks/iadvize\"")
			.contains("\"type\":\"" + SourceAllowListFilter.PROBLEM_TYPE + "\"");
		assertThat(refusedCount()).isEqualTo(before + 1);
	}

	@Test
	void aRefusedSourceIsLoggedAtWarnOnceThenOnlyCounted(CapturedOutput output) {
		// Each test class gets its own context, and this address is refused by no other test.
		double before = refusedCount();
		assertThat(deliverFrom("192.0.2.77").statusCode()).isEqualTo(403);
		assertThat(deliverFrom("192.0.2.77").statusCode()).isEqualTo(403);
		assertThat(output.getOut().lines().filter((line) -> line.contains("WARN")
				&& line.contains("Refused a webhook delivery from 192.0.2.77 (TCP peer 127.0.0.1)"))).hasSize(1);
		assertThat(refusedCount()).isEqualTo(before + 2);
	}

	@Test
	void theProxyItselfIsNotAnAllowedSource() {
		HttpResponse<String> response = this.client.deliver(Fixtures.withFreshId("user.created.json").body());
		assertThat(response.statusCode()).isEqualTo(403);
	}

	@Test
	void aSpoofedLeftMostAddressDoesNotGetThrough() {
		assertThat(deliverFrom("35.158.241.155, 198.51.100.4").statusCode()).isEqualTo(403);
	}

	@Test
	void theRefusalComesBeforeTheSignatureCheck() {
		HttpResponse<String> response = this.client.request(Fixtures.withFreshId("user.created.json").body())
			.signedWith("not-the-secret")
			.header("X-Forwarded-For", "198.51.100.4")
			.send();
		assertThat(response.statusCode()).isEqualTo(403);
	}

	@Test
	void healthIsNotBehindTheAllowList() {
		assertThat(this.client.get("/actuator/health/readiness").statusCode()).isEqualTo(200);
	}

	private HttpResponse<String> deliverFrom(String forwardedFor) {
		return this.client.request(Fixtures.withFreshId("user.created.json").body())
			.header("X-Forwarded-For", forwardedFor)
			.send();
	}

	private double refusedCount() {
		var counter = this.meters.find("relay.webhook.deliveries").tag("reason", "source").counter();
		return (counter != null) ? counter.count() : 0;
	}

}
