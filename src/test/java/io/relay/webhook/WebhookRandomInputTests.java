package io.relay.webhook;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import io.relay.RelayApplication;
import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import io.relay.support.WebhookSignatures;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random bodies and headers against a running Relay: never a 5xx, and nothing stored without a valid signature.
 */
class WebhookRandomInputTests {

	private static ConfigurableApplicationContext relay;

	private static WebhookClient client;

	private static JdbcTemplate jdbc;

	@BeforeContainer
	static void startRelay() {
		relay = new SpringApplicationBuilder(RelayApplication.class).run("--server.port=0",
				"--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=jdbc:h2:mem:random-input;DB_CLOSE_DELAY=-1", "--relay.webhook.max-body-size=4KB",
				"--logging.level.io.relay=ERROR");
		client = WebhookClient.onPort(((WebServerApplicationContext) relay).getWebServer().getPort());
		jdbc = relay.getBean(JdbcTemplate.class);
	}

	@AfterContainer
	static void stopRelay() {
		relay.close();
	}

	@Property(tries = 300)
	void unsignedOrWronglySignedInputIsNeverStoredAndNeverA5xx(@ForAll("bodies") byte[] body,
			@ForAll("contentTypes") String contentType, @ForAll("forgedSignatures") String signature,
			@ForAll("headerValues") String correlationId) {
		long before = storedRows();
		HttpResponse<String> response = client.request(body)
			.contentType(contentType)
			.signature(signature.replace("{valid}", WebhookSignatures.sign("another-secret", body)))
			.correlationId(correlationId)
			.send();
		assertThat(response.statusCode()).isBetween(400, 499);
		assertThat(storedRows()).isEqualTo(before);
	}

	@Property(tries = 500)
	void signedInputIsStoredOrRefusedWithAProblemNeverA5xx(@ForAll("bodies") byte[] body,
			@ForAll("contentTypes") String contentType, @ForAll("headerValues") String correlationId) {
		HttpResponse<String> response = client.request(body)
			.contentType(contentType)
			.correlationId(correlationId)
			.send();
		net.jqwik.api.statistics.Statistics.collect(response.statusCode());
		assertThat(response.statusCode()).isIn(200, 202, 400, 413, 415);
		if (SUPPORTED.matcher(contentType).matches()) {
			// JSON or a form, whatever its parameters say (an unknown charset, an odd one): never refused for them.
			assertThat(response.statusCode()).as(contentType).isNotEqualTo(415);
		}
		if (response.statusCode() >= 400) {
			assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		}
	}

	private static final Pattern SUPPORTED = Pattern
		.compile("(application/json|application/x-www-form-urlencoded)\\s*(;.*)?", Pattern.DOTALL);

	@Provide
	Arbitrary<byte[]> bodies() {
		Arbitrary<byte[]> randomBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(6000);
		Arbitrary<byte[]> randomText = Arbitraries.strings().ofMaxLength(300).map(WebhookRandomInputTests::utf8);
		Arbitrary<byte[]> mutatedFixtures = Combinators
			.combine(Arbitraries.of(Fixtures.names()), Arbitraries.integers().between(0, 400),
					Arbitraries.strings().ofMaxLength(5))
			.as((name, position, insert) -> {
				String body = Fixtures.withFreshId(name).body();
				int at = Math.min(position, body.length());
				return utf8(body.substring(0, at) + insert + body.substring(at));
			});
		Arbitrary<byte[]> odd = Arbitraries.of("", "null", "[]", "{}", "\"text\"", "{\"eventType\":42}",
				"{\"eventId\":{},\"eventType\":\"user.created\"}", "{\"eventId\":\"" + "x".repeat(400)
						+ "\",\"eventType\":\"user.created\",\"userId\":1}", "eventId=&eventType=", "payload=%7B", "%%%")
			.map(WebhookRandomInputTests::utf8);
		return Arbitraries.frequencyOf(Tuple.of(1, randomBytes), Tuple.of(1, randomText), Tuple.of(3, mutatedFixtures),
				Tuple.of(3, odd));
	}

	@Provide
	Arbitrary<String> contentTypes() {
		// Mostly types that reach the parser, where the interesting failures are.
		// The header is not signed, and Relay parses it itself: odd parameters, quotes and bare separators too.
		Arbitrary<String> oddParameters = Combinators
			.combine(Arbitraries.of("application/json", "application/x-www-form-urlencoded", "text/plain", ""),
					Arbitraries.strings().withChars(";=\" a/").ofMaxLength(12))
			.as((type, parameters) -> type + parameters);
		return Arbitraries.frequencyOf(Tuple.of(12, Arbitraries.just("application/json")),
				Tuple.of(3, Arbitraries.just("application/x-www-form-urlencoded")),
				Tuple.of(1, Arbitraries.of("application/json; charset=UTF-8", "application/json; charset=nope",
						"application/json; charset=UTF-16", "text/plain", "application/xml", "application/json;;;",
						"*/*", "multipart/form-data; boundary=x")),
				Tuple.of(2, oddParameters));
	}

	@Provide
	Arbitrary<String> forgedSignatures() {
		return Arbitraries.oneOf(headerSafe(80),
				Arbitraries.strings().withCharRange('0', 'f').ofLength(64).map((hex) -> "sha256=" + hex),
				Arbitraries.of("{valid}", "sha256=", "sha256", "SHA256=00"));
	}

	@Provide
	Arbitrary<String> headerValues() {
		return Arbitraries.frequencyOf(Tuple.of(9, headerSafe(60)), Tuple.of(1, headerSafe(300)));
	}

	private static Arbitrary<String> headerSafe(int maxLength) {
		return Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(maxLength);
	}

	private static byte[] utf8(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	private static long storedRows() {
		return jdbc.queryForObject("select (select count(*) from inbox_event) + (select count(*) from inbox_quarantine)",
				Long.class);
	}

}
