package io.relay.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.micrometer.core.instrument.MeterRegistry;
import io.relay.support.WebhookClient;
import org.apache.catalina.Host;
import org.apache.catalina.valves.ErrorReportValve;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests Tomcat refuses before Relay sees them get a problem document too, not Tomcat's HTML page; what reaches
 * Relay is still answered by Relay.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:mem:problem-report;DB_CLOSE_DELAY=-1" })
class ProblemReportValveTests {

	@LocalServerPort
	int port;

	@Autowired
	ServletWebServerApplicationContext context;

	@Autowired
	MeterRegistry meters;

	@Test
	void anEncodedSlashInThePathIsAProblem() throws IOException {
		String answer = send("GET /admin/api/events/a%2Fb HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n");
		assertProblem(answer, 400);
	}

	@Test
	void anEncodedBackslashInTheWebhookPathIsAProblem() throws IOException {
		String answer = send("POST /webhooks%5Ciadvize HTTP/1.1\r\nHost: relay\r\nContent-Length: 0\r\n"
				+ "Connection: close\r\n\r\n");
		assertProblem(answer, 400);
	}

	@Test
	void headersOverTheLimitAreAProblemAndAWebhookDeliveryIsCounted() throws IOException {
		double refused = WebhookDeliveries.refused(this.meters, "rejected").count();
		String answer = send("POST /webhooks/iadvize HTTP/1.1\r\nHost: relay\r\nX-Big: " + "a".repeat(20_000)
				+ "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
		assertProblem(answer, 400);
		assertThat(WebhookDeliveries.refused(this.meters, "rejected").count()).isEqualTo(refused + 1);

		// Not a webhook delivery: refused alike, not counted with them.
		assertProblem(send("GET /admin/api/events/a%2Fb HTTP/1.1\r\nHost: relay\r\nX-Big: " + "a".repeat(20_000)
				+ "\r\nConnection: close\r\n\r\n"), 400);
		assertThat(WebhookDeliveries.refused(this.meters, "rejected").count()).isEqualTo(refused + 1);
	}

	@Test
	void aMalformedRequestLineIsAProblem() throws IOException {
		String answer = send("GET /a{b HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n");
		assertProblem(answer, 400);
	}

	@Test
	void anUnknownHttpVersionIsARefusalNotAFailure() throws IOException {
		String answer = send("GET / HTTP/2.5\r\nHost: relay\r\nConnection: close\r\n\r\n");
		assertThat(answer).startsWith("HTTP/1.1 505").contains(ProblemReportValve.REFUSED)
			.doesNotContain("log says why");
	}

	@Test
	void theValveStandsInForTomcatsAndBootsErrorReport() {
		Host host = ((TomcatWebServer) this.context.getWebServer()).getTomcat().getHost();
		assertThat(Arrays.stream(host.getPipeline().getValves()).filter(ErrorReportValve.class::isInstance))
			.singleElement()
			.isInstanceOf(ProblemReportValve.class);
	}

	@Test
	void whatReachesRelayIsStillAnsweredByRelay() throws IOException {
		String answer = send("GET /nothing-here HTTP/1.1\r\nHost: relay\r\nConnection: close\r\n\r\n");
		assertThat(answer).startsWith("HTTP/1.1 401")
			.contains("application/problem+json")
			.contains("This needs the admin credentials")
			.doesNotContain("\"reason\":\"rejected\"");
	}

	@Test
	void everyStatusGetsAWellFormedProblemAndOnlyRefusalsAReason() {
		JsonMapper json = JsonMapper.builder().build();
		JsonNode refused = json.readTree(ProblemReportValve.problem(505));
		assertThat(refused.get("status").asInt()).isEqualTo(505);
		assertThat(refused.get("title").asString()).isEqualTo("HTTP Version not supported");
		assertThat(refused.get("reason").asString()).isEqualTo("rejected");
		for (int status : new int[] { 500, 503 }) {
			JsonNode failed = json.readTree(ProblemReportValve.problem(status));
			assertThat(failed.get("detail").asString()).contains("Relay's log says why");
			assertThat(failed.has("reason")).isFalse();
		}
		JsonNode unknown = json.readTree(ProblemReportValve.problem(499));
		assertThat(unknown.get("title").asString()).isEqualTo("Error");
		assertThat(unknown.get("reason").asString()).isEqualTo("rejected");
	}

	private static void assertProblem(String answer, int status) {
		assertThat(answer).startsWith("HTTP/1.1 " + status);
		assertThat(answer.toLowerCase()).contains("content-type: application/problem+json");
		// The valve's own detail: Spring Security's firewall answers a 400 problem with the same reason.
		assertThat(answer).contains("\"status\":" + status, "\"reason\":\"rejected\"", ProblemReportValve.REFUSED)
			.doesNotContain("<html");
	}

	private String send(String request) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", this.port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(request.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

}
