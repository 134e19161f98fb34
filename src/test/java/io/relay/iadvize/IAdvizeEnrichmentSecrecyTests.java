package io.relay.iadvize;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.relay.event.Platform;
import io.relay.iadvize.internal.IAdvizeProperties;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.relay.iadvize.IAdvizeTestSupport.API_KEY;
import static io.relay.iadvize.IAdvizeTestSupport.PASSWORD;
import static io.relay.iadvize.IAdvizeTestSupport.SECOND_TOKEN;
import static io.relay.iadvize.IAdvizeTestSupport.TOKEN;
import static io.relay.iadvize.IAdvizeTestSupport.closed;
import static io.relay.iadvize.IAdvizeTestSupport.failure;
import static io.relay.iadvize.IAdvizeTestSupport.token;
import static io.relay.iadvize.IAdvizeTestSupport.visitorUpdated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The API key, the password and the tokens never show in logs (at DEBUG, Spring's HTTP and retry logging
 * included), in exceptions (messages, causes, stack traces), or in metrics, even when iAdvize echoes them back.
 */
@ExtendWith(OutputCaptureExtension.class)
class IAdvizeEnrichmentSecrecyTests {

	static final List<String> SECRETS = List.of(API_KEY, PASSWORD, TOKEN, SECOND_TOKEN);

	static final List<String> VERBOSE = List.of("io.relay.iadvize", "org.springframework.web.client",
			"org.springframework.core.retry", "org.springframework.graphql", "org.springframework.http");

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance().options(IAdvizeTestSupport.wireMock()).build();

	private final List<Level> levels = new ArrayList<>();

	@BeforeEach
	void logEverything() {
		for (String name : VERBOSE) {
			Logger logger = (Logger) LoggerFactory.getLogger(name);
			this.levels.add(logger.getLevel());
			logger.setLevel(Level.TRACE);
		}
	}

	@AfterEach
	void restoreLogging() {
		for (int i = 0; i < VERBOSE.size(); i++) {
			((Logger) LoggerFactory.getLogger(VERBOSE.get(i))).setLevel(this.levels.get(i));
		}
	}

	@Test
	void noCredentialLeaksWhateverGoesWrong(CapturedOutput output) {
		// REST: a refusal that quotes the key, a failing server, a success.
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/1")).willReturn(aResponse().withStatus(403)
			.withHeader("Content-Type", "application/json")
			.withBody(failure("error",
					"Forbidden: unknown key " + API_KEY.substring(0, 10).toUpperCase(Locale.ROOT)))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/operator/2")).willReturn(serviceUnavailable()));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/3"))
			.willReturn(okJson(IAdvizeTestSupport.success("{\"id\": 3, \"email\": \"ada@example.com\"}"))));
		// GraphQL: a login, a refused token, errors that quote the token, a second login.
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("logins")
			.willReturn(okJson(token(TOKEN)))
			.willSetStateTo("second"));
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("logins")
			.whenScenarioStateIs("second")
			.willReturn(okJson(token(SECOND_TOKEN))));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", containing(TOKEN))
			.willReturn(aResponse().withStatus(401)
				.withHeader("Content-Type", "application/json")
				.withBody("{\"error\":\"invalid_token\",\"error_description\":\"token " + TOKEN + " is not valid\"}")));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).withHeader("Authorization", containing(SECOND_TOKEN))
			.willReturn(okJson("{\"errors\":[{\"message\":\"token " + SECOND_TOKEN + " may not read visitors\","
					+ "\"extensions\":{\"code\":\"FORBIDDEN\"}}]}")));

		List<Throwable> failures = new ArrayList<>();
		IAdvizeTestSupport.runner(iadvize.getPort(), new MutableClock(IAdvizeTestSupport.START)).run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			failures.add(catchFailure(() -> enrichment.operator(Platform.SD, 1)));
			failures.add(catchFailure(() -> enrichment.operator(Platform.SD, 2)));
			enrichment.visitor(closed(Platform.SD, "3", null));
			failures.add(catchFailure(() -> enrichment.visitor(visitorUpdated(Platform.SD,
					"b05f1b45-c891-4a9c-b47e-91ee6c8ffb44"))));
			assertThat(context.getBean(IAdvizeProperties.class).toString()).doesNotContain(SECRETS);
			for (Meter meter : context.getBean(MeterRegistry.class).getMeters()) {
				assertThat(meter.getId().toString()).doesNotContain(SECRETS);
			}
		});

		assertThat(failures).hasSize(3).allSatisfy((failure) -> assertThat(stackTrace(failure)).doesNotContain(SECRETS));
		assertThat(failures.get(0)).hasMessageContaining("Forbidden: unknown key <hidden>");
		assertThat(failures.get(2)).isInstanceOf(IAdvizeApiException.AuthenticationFailed.class)
			.hasMessageContaining("token <hidden> may not read visitors");
		assertThat(output.getAll()).contains("Logged in to the iAdvize GraphQL API").doesNotContain(SECRETS);
	}

	@Test
	void aLoginAnswerIsNeverQuoted(CapturedOutput output) {
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(aResponse().withStatus(400)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"error\":\"invalid_grant\",\"error_description\":\"wrong password " + PASSWORD + "\"}")));
		IAdvizeTestSupport.runner(iadvize.getPort(), new MutableClock(IAdvizeTestSupport.START))
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.AuthenticationFailed.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class)
					.visitor(visitorUpdated(Platform.HA, "b05f1b45-c891-4a9c-b47e-91ee6c8ffb44")))
				.satisfies((ex) -> assertThat(stackTrace(ex)).contains("invalid_grant").doesNotContain(SECRETS)));
		iadvize.resetAll();
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token"))
			.willReturn(aResponse().withStatus(200).withBody("access_token=" + TOKEN + "&expires_in=86400")));
		IAdvizeTestSupport.runner(iadvize.getPort(), new MutableClock(IAdvizeTestSupport.START))
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class)
					.visitor(visitorUpdated(Platform.HA, "b05f1b45-c891-4a9c-b47e-91ee6c8ffb44")))
				.satisfies((ex) -> assertThat(stackTrace(ex)).doesNotContain(SECRETS)));
		assertThat(output.getAll()).doesNotContain(SECRETS);
	}

	private static Throwable catchFailure(Runnable call) {
		try {
			call.run();
		}
		catch (RuntimeException ex) {
			return ex;
		}
		throw new AssertionError("Expected a failure");
	}

	private static String stackTrace(Throwable failure) {
		StringWriter text = new StringWriter();
		failure.printStackTrace(new PrintWriter(text));
		return text.toString();
	}

}
