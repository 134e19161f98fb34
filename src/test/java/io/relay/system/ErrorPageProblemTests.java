package io.relay.system;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Refusals that go through the servlet container's error page are problems on both ports: with actuator on a port
 * of its own ({@code management.server.port}) too, not Spring Boot's error JSON, and with the error page moved
 * ({@code spring.web.error.path}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "management.server.port=0",
				"spring.security.user.name=admin", "spring.security.user.password=management-port-password",
				"spring.web.error.path=/oops", "spring.datasource.url=jdbc:h2:mem:error-page;DB_CLOSE_DELAY=-1" })
class ErrorPageProblemTests {

	@LocalServerPort
	int port;

	@LocalManagementPort
	int managementPort;

	private static final String CREDENTIALS = "Basic "
			+ Base64.getEncoder().encodeToString("admin:management-port-password".getBytes(StandardCharsets.UTF_8));

	private final JsonMapper json = new JsonMapper();

	@Test
	void anEndpointWithoutTheCredentialsIsA401Problem() {
		HttpResponse<String> answer = WebhookClient.onPort(this.managementPort).get("/actuator/metrics");
		JsonNode problem = problem(answer, 401);
		assertThat(problem.get("title").asString()).isEqualTo("Unauthorized");
		assertThat(problem.get("detail").asString()).contains("admin credentials");
		assertThat(problem.get("instance").asString()).isEqualTo("/actuator/metrics");
		assertThat(problem.has("timestamp")).as("Boot's error JSON").isFalse();
	}

	@Test
	void theAdminApiWithoutTheCredentialsIsA401ProblemWithTheErrorPageMoved() {
		HttpResponse<String> answer = WebhookClient.onPort(this.port).get("/admin/api/events");
		JsonNode problem = problem(answer, 401);
		assertThat(problem.get("detail").asString()).contains("admin credentials");
		assertThat(problem.get("instance").asString()).isEqualTo("/admin/api/events");
	}

	@Test
	void anUnknownPathIsA404Problem() {
		HttpResponse<String> answer = WebhookClient.onPort(this.managementPort)
			.get("/actuator/nothing-here", "Authorization", CREDENTIALS);
		JsonNode problem = problem(answer, 404);
		assertThat(problem.get("title").asString()).isEqualTo("Not Found");
	}

	@Test
	void theErrorPageAskedForByItsAddressIsA404ProblemOnBothPorts() {
		// Nothing failed (a scanner, say): a 500 would count in the server-error rate that an alert reads.
		for (int port : new int[] { this.port, this.managementPort }) {
			HttpResponse<String> answer = WebhookClient.onPort(port).get("/oops", "Authorization", CREDENTIALS);
			assertThat(problem(answer, 404).get("detail").asString()).as("port " + port).isEqualTo("Nothing here.");
		}
	}

	@Test
	void healthStaysPublicOnTheManagementPort() {
		HttpResponse<String> health = WebhookClient.onPort(this.managementPort).get("/actuator/health");
		assertThat(health.statusCode()).isEqualTo(200);
		assertThat(health.body()).isEqualTo("{\"status\":\"UP\"}");
	}

	@Test
	void aQueryStringThatCannotBeDecodedIsA400ProblemOnTheManagementPort() {
		// The management context's dispatcher finds InvalidParameters in its parent, the application's context.
		HttpResponse<String> answer = WebhookClient.onPort(this.managementPort).get("/actuator/health?x=%FF");
		assertThat(problem(answer, 400).get("detail").asString()).contains("could not be read");
	}

	/** The answer's problem, checked to be one, of {@code status}. */
	private JsonNode problem(HttpResponse<String> answer, int status) {
		assertThat(answer.statusCode()).isEqualTo(status);
		assertThat(answer.headers().firstValue("Content-Type")).contains("application/problem+json");
		JsonNode problem = this.json.readTree(answer.body());
		assertThat(problem.get("status").asInt()).isEqualTo(status);
		return problem;
	}

}
