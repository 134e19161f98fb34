package io.relay.iadvize.internal;

import java.time.Duration;
import java.time.Instant;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.support.IAdvizeStubs;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.json.JsonMapper;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The token's lifecycle when the API refuses tokens, seen from threads that report them at different moments.
 */
class AccessTokensTests {

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance().options(IAdvizeStubs.wireMock()).build();

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));

	@Test
	void aCallReportingAnOlderTokenIsNotGivenOneAnotherCallFoundRefused() {
		givenLogins("first", "second", "third");
		AccessTokens tokens = tokens(2);
		AccessTokens.Token first = tokens.current(false);
		AccessTokens.Token second = tokens.replace(first);
		assertThat(second.value()).isEqualTo("second");
		// The second is refused too, and the budget (2 a minute) has no login left.
		assertThatExceptionOfType(IAdvizeApiException.Unavailable.class).isThrownBy(() -> tokens.replace(second))
			.withMessageContaining("max-logins-per-minute");

		// A call still sending the first token all along reports it only now: the second is known to be refused.
		assertThatExceptionOfType(IAdvizeApiException.Unavailable.class).isThrownBy(() -> tokens.replace(first))
			.withMessageContaining("max-logins-per-minute");
		assertThatExceptionOfType(IAdvizeApiException.Unavailable.class).isThrownBy(() -> tokens.current(true));
		// Calls that were refused nothing fall back on it, rather than all failing.
		assertThat(tokens.current(false).value()).isEqualTo("second");

		// Once the budget frees up, the next call logs in.
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(tokens.current(false).value()).isEqualTo("third");
		iadvize.verify(3, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	@Test
	void manyCallsReportingOneRefusedTokenCauseOneLoginEvenWhenTheNewTokenHasTheSameValue() {
		givenLogins("same", "same", "same");
		AccessTokens tokens = tokens(5);
		AccessTokens.Token refused = tokens.current(false);
		AccessTokens.Token fresh = tokens.replace(refused);
		for (int call = 0; call < 3; call++) {
			assertThat(tokens.replace(refused)).isSameAs(fresh);
		}
		assertThat(fresh.refused()).isFalse();
		iadvize.verify(2, postRequestedFor(urlPathEqualTo("/oauth2/token")));
	}

	private AccessTokens tokens(int maxLoginsPerMinute) {
		IAdvizeProperties.GraphQl settings = new IAdvizeProperties.GraphQl(iadvize.baseUrl() + "/graphql",
				iadvize.baseUrl() + "/oauth2/token", "relay@example.com", "password-9f2c", 4, Duration.ofMinutes(5),
				maxLoginsPerMinute);
		Secrets secrets = new Secrets("password-9f2c");
		return new AccessTokens(settings, RestClient.create(), JsonMapper.builder().build(), this.clock,
				new Failures(this.clock, secrets), new ApiMetrics(new SimpleMeterRegistry()), secrets);
	}

	/** Each login answers the next of {@code values}, the last one from then on. */
	private static void givenLogins(String... values) {
		String state = Scenario.STARTED;
		for (int i = 0; i < values.length; i++) {
			String next = (i + 1 < values.length) ? "login " + (i + 1) : state;
			iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).inScenario("logins")
				.whenScenarioStateIs(state)
				.willReturn(okJson("{\"access_token\":\"" + values[i] + "\",\"expires_in\":86400}"))
				.willSetStateTo(next));
			state = next;
		}
	}

}
