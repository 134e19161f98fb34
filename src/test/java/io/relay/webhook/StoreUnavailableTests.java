package io.relay.webhook;

import java.io.IOException;
import java.net.http.HttpResponse;

import io.micrometer.core.instrument.MeterRegistry;
import io.relay.RelayApplication;
import io.relay.support.Fixtures;
import io.relay.support.TestPostgres;
import io.relay.support.WebhookClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real PostgreSQL server that goes away under a running Relay: deliveries must be answered 503 (so that iAdvize
 * retries them), never acknowledged.
 */
@ExtendWith(OutputCaptureExtension.class)
class StoreUnavailableTests {

	@Test
	void deliveriesAreAnswered503WhileTheDatabaseIsDown(CapturedOutput output) throws IOException {
		// Closed twice when the test passes (the second close does nothing): stopped in any case.
		try (EmbeddedPostgres postgres = TestPostgres.startDedicated();
				ConfigurableApplicationContext relay = new SpringApplicationBuilder(RelayApplication.class).run(
				"--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
				"--spring.datasource.username=postgres", "--spring.datasource.password=postgres",
				"--spring.datasource.hikari.connection-timeout=1000", "--relay.inbox.ack-timeout=3s")) {
			WebhookClient client = WebhookClient
				.onPort(((WebServerApplicationContext) relay).getWebServer().getPort());
			assertThat(client.deliver(Fixtures.withFreshId("user.created.json").body()).statusCode()).isEqualTo(202);

			postgres.close();

			HttpResponse<String> response = client.deliver(Fixtures.withFreshId("user.updated.json").body());
			assertThat(response.statusCode()).isEqualTo(503);
			assertThat(response.headers().firstValue("Retry-After")).hasValue("10");
			assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
			assertThat(response.body()).contains("could not be stored durably").contains("\"reason\":\"unavailable\"");
			// Why, without saying it twice ("could not be stored durably (the event could not be stored)")
			assertThat(response.body()).containsAnyOf("(the database write failed: see the log)",
					"(the event was not stored within 3s)");
			assertThat(client.get("/actuator/health/readiness").statusCode()).isEqualTo(503);

			// A signed but malformed delivery cannot be quarantined either: 503 too, counted as unavailable.
			MeterRegistry meters = relay.getBean(MeterRegistry.class);
			double unavailable = meters.get("relay.webhook.deliveries").tag("reason", "unavailable").counter().count();
			HttpResponse<String> malformed = client.deliver("{\"eventId\": \"m-1\"}");
			assertThat(malformed.statusCode()).isEqualTo(503);
			assertThat(meters.get("relay.webhook.deliveries").tag("reason", "unavailable").counter().count())
				.isEqualTo(unavailable + 1);
			assertThat(meters.get("relay.webhook.deliveries").tag("reason", "malformed").counter().count()).isZero();

			// Three refusals, and the health checks between them, in a few seconds: one line, no stack trace (during an
			// outage every delivery fails alike, and thousands a second would flood the log).
			assertThat(output.getOut().lines().filter((line) -> line.contains("answered 503 so that iAdvize retries")))
				.singleElement()
				.satisfies((line) -> assertThat(line).contains("further ones in the next 10 s are not logged"));
			assertThat(output.getOut()).doesNotContain("DataSource health check failed");
			assertThat(output.getOut().lines().filter((line) -> line.startsWith("\tat ")
					&& line.contains("WebhookController"))).isEmpty();
		}
	}

}
