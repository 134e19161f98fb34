package io.relay.iadvize;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.relay.event.Platform;
import io.relay.support.HeldResponses;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.relay.iadvize.IAdvizeTestSupport.closed;
import static io.relay.iadvize.IAdvizeTestSupport.concurrently;
import static io.relay.iadvize.IAdvizeTestSupport.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Hiccups become retries, and what cannot be retried here tells the caller whether to retry later: 429 with
 * {@code Retry-After}, 5xx, timeouts, refused connections. Plus the concurrency limit and the request metrics.
 */
class IAdvizeEnrichmentResilienceTests {

	static final String OPERATOR = "/sd/api/2/operator/15253";

	/** Answers held until the test releases them. */
	static final HeldResponses held = new HeldResponses();

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance()
		.options(IAdvizeTestSupport.wireMock().extensions(held))
		.build();

	/** Retry-After up to 2 s is waited for here; longer goes back to the caller. */
	private final ApplicationContextRunner runner = IAdvizeTestSupport
		.runner(iadvize.getPort(), new MutableClock(IAdvizeTestSupport.START))
		.withPropertyValues("relay.iadvize.retry.max-delay=2s");

	@AfterEach
	void nothingHeldAfterATest() {
		held.release();
	}

	@Test
	void aLongRetryAfterGoesBackToTheCallerAtOnce() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "30")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.RateLimited.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253))
			.satisfies((ex) -> {
				assertThat(ex.retryable()).isTrue();
				assertThat(ex.retryAfter()).contains(Duration.ofSeconds(30));
			}));
		iadvize.verify(1, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void aShortRetryAfterIsWaitedForAndHonoured() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).inScenario("429")
			.willReturn(aResponse().withStatus(429).withHeader("Retry-After", "1"))
			.willSetStateTo("calm"));
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).inScenario("429")
			.whenScenarioStateIs("calm")
			.willReturn(okJson(success("{\"id\": 15253}"))));
		this.runner.run((context) -> {
			long start = System.nanoTime();
			assertThat(context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253).id()).isEqualTo(15253);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
		});
		iadvize.verify(2, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void aRetryAfterOfZeroDoesNotMakeTheRetriesImmediate() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "0")));
		this.runner.withPropertyValues("relay.iadvize.retry.initial-delay=500ms").run((context) -> {
			long start = System.nanoTime();
			assertThatExceptionOfType(IAdvizeApiException.RateLimited.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253));
			// Two waits of the backoff (500 to 625 ms, then 750 to 1,250 ms, with its jitter), not none.
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
		});
		iadvize.verify(3, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void a429WithoutRetryAfterIsRetriedWithBackoffThenReportedAsRetryable() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(aResponse().withStatus(429)));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.RateLimited.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253))
			.satisfies((ex) -> assertThat(ex.retryAfter()).isEmpty()));
		iadvize.verify(3, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void a500ThenSuccessSucceeds() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).inScenario("500")
			.willReturn(aResponse().withStatus(500))
			.willSetStateTo("up"));
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).inScenario("500")
			.whenScenarioStateIs("up")
			.willReturn(okJson(success("{\"id\": 15253, \"name\": \"Doe\"}"))));
		this.runner.run((context) -> assertThat(
				context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253).name())
			.isEqualTo("Doe"));
		iadvize.verify(2, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void aLasting503IsRetriedThenReportedAsRetryable() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(serviceUnavailable()));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253))
			.withMessage("iAdvize REST operator answered HTTP 503")
			.satisfies((ex) -> assertThat(ex.retryable()).isTrue()));
		iadvize.verify(3, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void aTimeoutIsRetryable() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(okJson(success("{\"id\": 1}")).withFixedDelay(3000)));
		this.runner.withPropertyValues("relay.iadvize.read-timeout=1s", "relay.iadvize.retry.max-attempts=2")
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253))
				.withMessageContaining("did not answer in time")
				.satisfies((ex) -> assertThat(ex.retryable()).isTrue()));
		iadvize.verify(2, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void aTimeoutThenAnAnswerSucceeds() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).inScenario("slow")
			.willReturn(okJson(success("{\"id\": 15253}")).withFixedDelay(10_000))
			.willSetStateTo("fast"));
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).inScenario("slow")
			.whenScenarioStateIs("fast")
			.willReturn(okJson(success("{\"id\": 15253}"))));
		// The retry's answer has to come within the read timeout too: room for a slow machine.
		this.runner.withPropertyValues("relay.iadvize.read-timeout=3s")
			.run((context) -> assertThat(context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253).id())
				.isEqualTo(15253));
		// The slow answer was given up at the read timeout, and the retry got the fast one.
		iadvize.verify(2, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void aRefusedConnectionIsRetryable() {
		IAdvizeTestSupport.runner(1, new MutableClock(IAdvizeTestSupport.START))
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253))
				.withMessageContaining("could not be reached")
				.satisfies((ex) -> assertThat(ex.retryable()).isTrue()));
	}

	@Test
	void anUnreadableAnswerIsRetryable() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(aResponse().withStatus(200)
			.withHeader("Content-Type", "text/html")
			.withBody("<html>Maintenance</html>")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253))
			.withMessage("iAdvize REST operator answered HTTP 200 with a body that is not the expected JSON"));
	}

	@Test
	void noMoreThanTheConfiguredRequestsAreInFlightAtOnce() throws Exception {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(okJson(success("{\"id\": 15253}")).withFixedDelay(300)));
		this.runner.withPropertyValues("relay.iadvize.rest.max-concurrent-requests=2").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			concurrently(6, () -> enrichment.operator(Platform.SD, 15253));
		});
		List<Instant> received = iadvize.findAll(getRequestedFor(urlPathEqualTo(OPERATOR)))
			.stream()
			.map((request) -> request.getLoggedDate().toInstant())
			.sorted()
			.toList();
		assertThat(received).hasSize(6);
		// With 2 in flight at most, a request comes only once one of the two before it was answered, which iAdvize
		// (WireMock) does 300 ms after that one came (less the journal's rounding to the millisecond). Without the
		// limit, all six come at once.
		for (int i = 2; i < received.size(); i++) {
			assertThat(Duration.between(received.get(i - 2), received.get(i))).as("request %d", i + 1)
				.isGreaterThanOrEqualTo(Duration.ofMillis(299));
		}
	}

	@Test
	void aCallerInterruptedWhileWaitingForASlotStillGetsAnIAdvizeApiException() throws Exception {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(okJson(success("{\"id\": 15253}"))));
		held.hold(OPERATOR);
		this.runner.withPropertyValues("relay.iadvize.rest.max-concurrent-requests=1").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			IAdvizeTestSupport.SlotQueue calls = IAdvizeTestSupport.oneHoldingTheSlotOneWaiting(
					() -> enrichment.operator(Platform.SD, 15253),
					() -> iadvize.findAll(getRequestedFor(urlPathEqualTo(OPERATOR))).size());
			calls.waiter().interrupt();
			calls.waiter().join();
			held.release();
			Throwable failure = calls.join();
			assertThat(failure).isInstanceOf(IAdvizeApiException.Unavailable.class)
				.hasMessage("iAdvize REST operator was interrupted while waiting for a free slot");
		});
	}

	@Test
	void everyRequestIsTimedByApiResourceAndOutcome() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).inScenario("metrics")
			.willReturn(serviceUnavailable())
			.willSetStateTo("up"));
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).inScenario("metrics")
			.whenScenarioStateIs("up")
			.willReturn(okJson(success("{\"id\": 15253}"))));
		iadvize.stubFor(get(urlPathEqualTo("/sd/api/2/visitor/9")).willReturn(aResponse().withStatus(404)
			.withHeader("Content-Type", "application/json")
			.withBody(IAdvizeTestSupport.failure("fail", "Unknown 'visitor' with 'id' 9."))));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			enrichment.operator(Platform.SD, 15253);
			assertThatExceptionOfType(IAdvizeApiException.NotFound.class)
				.isThrownBy(() -> enrichment.visitor(closed(Platform.SD, "9", null)));
			MeterRegistry meters = context.getBean(MeterRegistry.class);
			assertThat(timer(meters, "operator", "unavailable").count()).isEqualTo(1);
			assertThat(timer(meters, "operator", "success").count()).isEqualTo(1);
			assertThat(timer(meters, "operator", "success").totalTime(TimeUnit.NANOSECONDS))
				.isPositive();
			assertThat(timer(meters, "visitor", "not_found").count()).isEqualTo(1);
		});
	}

	@Test
	void aRetriedCallWaitsLongerEachTime() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(serviceUnavailable()));
		this.runner
			.withPropertyValues("relay.iadvize.retry.initial-delay=200ms", "relay.iadvize.retry.multiplier=2",
					"relay.iadvize.retry.max-attempts=3")
			.run((context) -> {
				long start = System.nanoTime();
				assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
					.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253));
				// 200 ms, then 400 ms less at most a quarter of it as jitter.
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
			});
		iadvize.verify(3, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	private static Timer timer(MeterRegistry meters, String resource, String outcome) {
		return meters.get("relay.iadvize.api.requests")
			.tag("api", "rest")
			.tag("resource", resource)
			.tag("outcome", outcome)
			.timer();
	}

}
