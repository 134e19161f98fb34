package io.relay.system;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A query string that is not valid percent-encoded UTF-8 is the client's mistake: a 400 problem, logged as such,
 * never the servlet container's ERROR with a stack trace (anyone may send it to the public health path, and an
 * alert on the error rate reads the log's ERROR count).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:mem:invalid-query-string;DB_CLOSE_DELAY=-1",
				"spring.security.user.name=operator", "spring.security.user.password=query-string-password" })
@ExtendWith(OutputCaptureExtension.class)
class InvalidQueryStringTests {

	private static final String CREDENTIALS = "Basic "
			+ Base64.getEncoder().encodeToString("operator:query-string-password".getBytes(StandardCharsets.UTF_8));

	@LocalServerPort
	int port;

	@Test
	void thePublicHealthPathAnswersA400ProblemAndLogsNoError(CapturedOutput output) {
		assertBadRequestWithoutError(client().get("/actuator/health?x=%FF"), output);
		assertBadRequestWithoutError(client().get("/actuator/health/readiness?x=%FF"), output);
	}

	@Test
	void anAdminFilterAnswersA400ProblemAndLogsNoError(CapturedOutput output) {
		assertBadRequestWithoutError(client().get("/admin/api/events?type=%FF", "Authorization", CREDENTIALS), output);
		assertBadRequestWithoutError(
				client().get("/admin/api/events?visitorId=%ED%A0%80", "Authorization", CREDENTIALS), output);
	}

	@Test
	void aPostThatTheCsrfCheckReadsAnswersAProblemAndLogsNoError(CapturedOutput output) {
		HttpResponse<String> answer = client().request("").method("POST").unsigned().contentType("text/plain")
			.path("/dashboard?x=%FF").send();
		assertThat(answer.statusCode()).isEqualTo(400);
		assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(output.getAll()).doesNotContain(" ERROR ").doesNotContain("Servlet.service()");
	}

	@Test
	void aMultipartUploadOverItsLimitIsStillA413(CapturedOutput output) {
		// Spring's MaxUploadSizeExceededException wraps Tomcat's InvalidParameterException: Boot's 413, not a 400.
		String boundary = "relay-test-boundary";
		byte[] file = new byte[1_200_000];
		java.util.Arrays.fill(file, (byte) 'A');
		byte[] body = concat(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"codes.csv\"\r\n"
				+ "Content-Type: text/csv\r\n\r\n").getBytes(StandardCharsets.US_ASCII), file,
				("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
		HttpResponse<String> answer = client().request(body).method("POST").unsigned()
			.contentType("multipart/form-data; boundary=" + boundary)
			.header("Authorization", CREDENTIALS)
			.path("/admin/api/events")
			.send();
		assertThat(answer.statusCode()).isEqualTo(413);
		assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(answer.body()).doesNotContain("could not be read");
		assertThat(output.getAll()).doesNotContain(" ERROR ");
	}

	private static byte[] concat(byte[]... parts) {
		java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
		for (byte[] part : parts) {
			out.writeBytes(part);
		}
		return out.toByteArray();
	}

	@Test
	void aSignedWebhookWithAnInvalidQueryStringIsStillAccepted(CapturedOutput output) {
		HttpResponse<String> answer = client().request(Fixtures.withFreshId("v2.conversation.closed.json").body())
			.path("/webhooks/iadvize?x=%FF").send();
		assertThat(answer.statusCode()).isEqualTo(202);
		assertThat(output.getAll()).doesNotContain(" ERROR ");
	}

	private WebhookClient client() {
		return WebhookClient.onPort(this.port);
	}

	private static void assertBadRequestWithoutError(HttpResponse<String> answer, CapturedOutput output) {
		assertThat(answer.statusCode()).isEqualTo(400);
		assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(answer.body()).contains("(query string or form body) could not be read").doesNotContain("%FF")
			.doesNotContain("Exception");
		assertThat(output.getAll()).doesNotContain(" ERROR ").doesNotContain("Servlet.service()");
	}

}
