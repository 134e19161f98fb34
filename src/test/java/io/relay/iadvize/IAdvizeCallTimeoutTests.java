package io.relay.iadvize;

import java.time.Duration;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.relay.event.Platform;
import io.relay.support.HeldResponses;
import io.relay.support.MutableClock;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.serviceUnavailable;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.relay.iadvize.IAdvizeTestSupport.page;
import static io.relay.iadvize.IAdvizeTestSupport.TOKEN;
import static io.relay.iadvize.IAdvizeTestSupport.closed;
import static io.relay.iadvize.IAdvizeTestSupport.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@code relay.iadvize.call-timeout} bounds one enrichment call, every page and retry included, so that a slow
 * iAdvize cannot hold a delivery past its lease. The test clock moves by {@link #perRequest} whenever WireMock
 * answers, as if each request had taken that long.
 */
class IAdvizeCallTimeoutTests {

	static final String OPERATOR = "/sd/api/2/operator/15253";

	static final String TRANSACTIONS = "/sd/api/2/transaction";

	static final String VISITOR = "/sd/api/2/visitor/42";

	static final String VISITOR_JSON = "{\"id\": 42, \"firstname\": \"Ada\", \"email\": \"ada@example.com\"}";

	static final MutableClock clock = new MutableClock(IAdvizeTestSupport.START);

	static volatile Duration perRequest = Duration.ZERO;

	/** Only requests whose URL starts so move the clock. */
	static volatile String slowPath = "/";

	/** Answers held until the test releases them. */
	static final HeldResponses held = new HeldResponses();

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance()
		.options(IAdvizeTestSupport.wireMock().extensions(held, new ServeEventListener() {

			@Override
			public void beforeResponseSent(ServeEvent serveEvent, Parameters parameters) {
				String url = serveEvent.getRequest().getUrl();
				if (url.startsWith(slowPath)) {
					clock.advance(perRequest);
				}
			}

			@Override
			public String getName() {
				return "advance-the-test-clock";
			}

		}))
		.build();

	private final ApplicationContextRunner runner = IAdvizeTestSupport.runner(iadvize.getPort(), clock)
		.withPropertyValues("relay.iadvize.call-timeout=2m");

	@BeforeEach
	void noTimeTakenUnlessATestSaysSo() {
		perRequest = Duration.ZERO;
		slowPath = "/";
	}

	@AfterEach
	void nothingHeldAfterATest() {
		held.release();
	}

	@Test
	void aListWhosePagesOutlastTheCallTimeoutIsGivenUpAsRetryable() {
		perRequest = Duration.ofSeconds(40);
		iadvize.stubFor(get(urlPathEqualTo(TRANSACTIONS)).willReturn(okJson(page("""
				[{"id": 1, "external_id": "order-1", "amount": 10, "conversation_id": 666}]""", 1, 10))));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).transactions(Platform.SD, 666))
			.satisfies((ex) -> {
				assertThat(ex.retryable()).isTrue();
				assertThat(ex.getMessage()).isEqualTo("iAdvize REST transaction was given up: the call took longer "
						+ "than relay.iadvize.call-timeout (PT2M)");
			}));
		// Pages asked at 0 s, 40 s and 80 s; at 120 s the call's time is up, and 7 pages are never asked.
		iadvize.verify(3, getRequestedFor(urlPathEqualTo(TRANSACTIONS)));
	}

	@Test
	void retriesStopWhenTheCallTimeoutIsUpAndTheLastFailureGoesBack() {
		perRequest = Duration.ofSeconds(50);
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(serviceUnavailable()));
		this.runner.withPropertyValues("relay.iadvize.retry.max-attempts=10")
			.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
				.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class).operator(Platform.SD, 15253))
				.satisfies((ex) -> {
					assertThat(ex.retryable()).isTrue();
					assertThat(ex.getMessage()).startsWith("iAdvize REST operator answered HTTP 503");
				}));
		// Attempts at 0 s, 50 s and 100 s; a fourth would start past 120 s. Not the 10 the retries allow.
		iadvize.verify(3, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void eachCallHasItsOwnTime() {
		perRequest = Duration.ofSeconds(90);
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(okJson(success("{\"id\": 15253}"))));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			// 270 s in all, each call 90 s of its own 2 minutes.
			for (int call = 0; call < 3; call++) {
				assertThat(enrichment.operator(Platform.SD, 15253).id()).isEqualTo(15253);
			}
		});
		iadvize.verify(3, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void callsMadeTogetherShareTheDeliveryTimeout() {
		perRequest = Duration.ofSeconds(70);
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(okJson(success("{\"id\": 15253}"))));
		this.runner.withPropertyValues("relay.iadvize.delivery-timeout=3m").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			assertThatExceptionOfType(IAdvizeApiException.Unavailable.class).isThrownBy(() -> enrichment.together(() -> {
				assertThat(enrichment.operator(Platform.SD, 15253).id()).isEqualTo(15253);
				assertThat(enrichment.operator(Platform.SD, 15253).id()).isEqualTo(15253);
				// 140 s: within its own 2 minutes, but the 3 minutes of the delivery end at 180 s.
				assertThat(enrichment.operator(Platform.SD, 15253).id()).isEqualTo(15253);
				// 210 s.
				return enrichment.operator(Platform.SD, 15253);
			})).withMessage("iAdvize REST operator was given up: the call took longer than "
					+ "relay.iadvize.delivery-timeout (PT3M)");
		});
		iadvize.verify(3, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void aCallMadeTogetherKeepsItsOwnCallTimeout() {
		perRequest = Duration.ofSeconds(50);
		iadvize.stubFor(get(urlPathEqualTo(TRANSACTIONS)).willReturn(okJson(page("""
				[{"id": 1, "external_id": "order-1", "amount": 10, "conversation_id": 666}]""", 1, 10))));
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(okJson(success("{\"id\": 15253}"))));
		this.runner.run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			enrichment.together(() -> {
				// Pages at 0 s, 50 s and 100 s: the 2 minutes of this one call end at 120 s, within the delivery's 4.
				assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
					.isThrownBy(() -> enrichment.transactions(Platform.SD, 666))
					.withMessageContaining("relay.iadvize.call-timeout (PT2M)");
				// 150 s: the next call has time left, of the delivery's.
				return enrichment.operator(Platform.SD, 15253);
			});
		});
		iadvize.verify(3, getRequestedFor(urlPathEqualTo(TRANSACTIONS)));
		iadvize.verify(1, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void aWaitForASlotEndsWhenTheCallTimeoutDoes() throws Exception {
		// The clock stands still here: the waiter has its whole 500 ms, of real time, to wait for the slot.
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(okJson(success("{\"id\": 15253}"))));
		held.hold(OPERATOR);
		this.runner
			.withPropertyValues("relay.iadvize.rest.max-concurrent-requests=1", "relay.iadvize.call-timeout=500ms",
					"relay.iadvize.read-timeout=10s")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				Thread holder = IAdvizeTestSupport.startedUntilItsRequest(() -> enrichment.operator(Platform.SD, 15253),
						() -> requests(OPERATOR));
				AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
				IAdvizeTestSupport.startedCapturing(() -> enrichment.operator(Platform.SD, 15253), failure).join();
				assertThat(holder.isAlive()).as("the waiter gave up while the slot was still held").isTrue();
				assertThat(failure.get()).isInstanceOf(IAdvizeApiException.Unavailable.class)
					.hasMessage("iAdvize REST operator was given up: the call took longer than "
							+ "relay.iadvize.call-timeout (PT0.5S)");
				// The wait that gave up took no slot, and gave none back: a third call waits and gives up too.
				assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
					.isThrownBy(() -> enrichment.operator(Platform.SD, 15253))
					.withMessageContaining("relay.iadvize.call-timeout");
				assertThat(holder.isAlive()).isTrue();
				held.release();
				holder.join();
			});
		iadvize.verify(1, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	@Test
	void aLookupWaitingForAnotherOfTheSameVisitorWaitsNoLongerThanItsOwnTime() throws Exception {
		// The clock stands still: each call has its 500 ms of real time.
		iadvize.stubFor(get(urlPathEqualTo(VISITOR)).willReturn(okJson(success(VISITOR_JSON))));
		held.hold(VISITOR);
		this.runner.withPropertyValues("relay.iadvize.call-timeout=500ms", "relay.iadvize.read-timeout=10s")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				Thread first = IAdvizeTestSupport
					.startedUntilItsRequest(() -> enrichment.visitor(closed(Platform.SD, "42", null)), () -> requests(VISITOR));
				assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
					.isThrownBy(() -> enrichment.visitor(closed(Platform.SD, "42", null)))
					.withMessage("iAdvize REST visitor was given up: the call took longer than "
							+ "relay.iadvize.call-timeout (PT0.5S)");
				assertThat(first.isAlive()).as("gave up while the first lookup still ran").isTrue();
				held.release();
				first.join();
			});
		iadvize.verify(1, getRequestedFor(urlPathEqualTo(VISITOR)));
	}

	@Test
	void aLookupWhoseTimeRanOutIsNotTheFailureOfTheLookupsThatWaitedForIt() throws Exception {
		// One slot, held by an operator call until the first lookup has given up. The first lookup of the visitor
		// runs inside a delivery with 2 s left and gives up waiting for the slot; the second, waiting for the first's
		// answer, has 10 s of its own, and asks itself once the slot is free.
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(okJson(success("{\"id\": 15253}"))));
		iadvize.stubFor(get(urlPathEqualTo(VISITOR)).willReturn(okJson(success(VISITOR_JSON))));
		held.hold(OPERATOR);
		this.runner
			.withPropertyValues("relay.iadvize.rest.max-concurrent-requests=1", "relay.iadvize.call-timeout=10s",
					"relay.iadvize.delivery-timeout=2s", "relay.iadvize.read-timeout=10s")
			.run((context) -> {
				IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
				Thread holder = IAdvizeTestSupport.startedUntilItsRequest(() -> enrichment.operator(Platform.SD, 15253),
						() -> requests(OPERATOR));
				AtomicReference<@Nullable Throwable> firstFailure = new AtomicReference<>();
				Thread first = IAdvizeTestSupport.startedCapturing(
						() -> enrichment.together(() -> enrichment.visitor(closed(Platform.SD, "42", null))), firstFailure);
				await().atMost(Duration.ofSeconds(5)).until(() -> first.getState() == Thread.State.TIMED_WAITING);
				FutureTask<Visitor> second = new FutureTask<>(() -> enrichment.visitor(closed(Platform.SD, "42", null)));
				Thread.ofVirtual().start(second);
				first.join();
				assertThat(second).as("still waiting for the slot").isNotDone();
				held.release();
				assertThat(second.get(10, TimeUnit.SECONDS).email()).isEqualTo("ada@example.com");
				// It found the first lookup's answer pending in the cache, and waited for it, before asking itself.
				assertThat(context.getBean(MeterRegistry.class)
					.get("cache.gets")
					.tag("cache", "iadvize.visitors")
					.tag("result", "hit")
					.functionCounter()
					.count()).isGreaterThanOrEqualTo(1);
				first.join();
				assertThat(firstFailure.get()).isInstanceOf(IAdvizeApiException.Unavailable.class)
					.hasMessageContaining("relay.iadvize.delivery-timeout");
				holder.join();
			});
		iadvize.verify(1, getRequestedFor(urlPathEqualTo(VISITOR)));
	}

	@Test
	void noLoginStartsOnceTheCallTimeoutIsUp() {
		// The GraphQL request takes the call past its time, and answers that the token is stale.
		perRequest = Duration.ofSeconds(130);
		slowPath = "/graphql";
		iadvize.stubFor(post(urlPathEqualTo("/oauth2/token")).willReturn(okJson(IAdvizeTestSupport.token(TOKEN))));
		iadvize.stubFor(post(urlPathEqualTo("/graphql")).willReturn(aResponse().withStatus(401)
			.withHeader("Content-Type", "application/json")
			.withBody("{\"error\":\"invalid_token\",\"error_description\":\"access token not valid\"}")));
		this.runner.run((context) -> assertThatExceptionOfType(IAdvizeApiException.Unavailable.class)
			.isThrownBy(() -> context.getBean(IAdvizeEnrichment.class)
				.visitor(IAdvizeTestSupport.visitorUpdated(Platform.SD, "b05f1b45-c891-4a9c-b47e-91ee6c8ffb44")))
			.withMessageContaining("relay.iadvize.call-timeout"));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/oauth2/token")));
		iadvize.verify(1, postRequestedFor(urlPathEqualTo("/graphql")));
	}

	@Test
	void aRequestWhoseWaitForASlotUsedUpTheCallTimeoutIsNotSent() {
		iadvize.stubFor(get(urlPathEqualTo(OPERATOR)).willReturn(okJson(success("{\"id\": 15253}"))));
		held.hold(OPERATOR);
		this.runner.withPropertyValues("relay.iadvize.rest.max-concurrent-requests=1").run((context) -> {
			IAdvizeEnrichment enrichment = context.getBean(IAdvizeEnrichment.class);
			// The waiter started its call (and its 2 minutes) and waits for the holder's slot.
			IAdvizeTestSupport.SlotQueue calls = IAdvizeTestSupport.oneHoldingTheSlotOneWaiting(
					() -> enrichment.operator(Platform.SD, 15253), () -> requests(OPERATOR));
			clock.advance(Duration.ofMinutes(3));
			held.release();
			assertThat(calls.join()).isInstanceOf(IAdvizeApiException.Unavailable.class)
				.hasMessageContaining("relay.iadvize.call-timeout");
		});
		iadvize.verify(1, getRequestedFor(urlPathEqualTo(OPERATOR)));
	}

	private static int requests(String path) {
		return iadvize.findAll(getRequestedFor(urlPathEqualTo(path))).size();
	}

}
