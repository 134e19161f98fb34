package io.relay.iadvize;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.event.Channel;
import io.relay.event.ConversationClosed;
import io.relay.event.LegacyConversationClosed;
import io.relay.event.Platform;
import io.relay.event.VisitorUpdated;
import io.relay.iadvize.internal.IAdvizeConfiguration;
import io.relay.support.MutableClock;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.awaitility.Awaitility.await;

/**
 * What the iAdvize tests share: a small application context with the iAdvize clients pointed at a WireMock server,
 * the credentials they use, and events to enrich.
 */
final class IAdvizeTestSupport {

	static final String API_KEY = "rest-key-3f9c2a7d51e8";

	static final String USERNAME = "relay-bot@example.com";

	static final String PASSWORD = "graphql-password-8d2b61f0";

	static final String TOKEN = "access-token-first-5c1e9a";

	static final String SECOND_TOKEN = "access-token-second-7b04d2";

	static final Instant START = Instant.parse("2026-11-25T10:00:00Z");

	private IAdvizeTestSupport() {
	}

	/** WireMock as the stack notes require for the JDK HTTP client: no h2c upgrade on plain HTTP. */
	static WireMockConfiguration wireMock() {
		return WireMockConfiguration.options().dynamicPort().http2PlainDisabled(true);
	}

	/**
	 * The clients, every API on the WireMock server at {@code port}; REST under {@code /sd/api/2} and
	 * {@code /ha/api/2}. Retries wait 10 ms; reads time out after 2 s (generous: the machines are shared).
	 */
	static ApplicationContextRunner runner(int port, MutableClock clock) {
		String base = "http://localhost:" + port;
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class,
					HttpMessageConvertersAutoConfiguration.class, HttpClientAutoConfiguration.class,
					RestClientAutoConfiguration.class))
			.withUserConfiguration(IAdvizeConfiguration.class)
			.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withBean(java.time.Clock.class, () -> clock)
			.withPropertyValues("relay.iadvize.rest.base-url=" + base + "/{platform}/api/2",
					"relay.iadvize.rest.api-key=" + API_KEY, "relay.iadvize.graphql.url=" + base + "/graphql",
					"relay.iadvize.graphql.token-url=" + base + "/oauth2/token",
					"relay.iadvize.graphql.username=" + USERNAME, "relay.iadvize.graphql.password=" + PASSWORD,
					"relay.iadvize.retry.initial-delay=10ms", "relay.iadvize.retry.max-delay=100ms",
					"relay.iadvize.connect-timeout=2s", "relay.iadvize.read-timeout=2s");
	}

	static ConversationClosed closed(Platform platform, @Nullable String visitorExternalId, @Nullable String visitorId) {
		return new ConversationClosed(UUID.randomUUID().toString(), platform, 1549L, 335L,
				"4c8c7408-f73c-42cd-89e9-afbbee7d9024", List.of(15253L), visitorExternalId, Channel.CHAT, visitorId,
				OffsetDateTime.parse("2026-11-25T10:00:00Z"), OffsetDateTime.parse("2026-11-25T10:00:01Z"));
	}

	static ConversationClosed closed(Platform platform, String conversationId) {
		return new ConversationClosed(UUID.randomUUID().toString(), platform, 1549L, 335L, conversationId,
				List.of(15253L), null, Channel.CHAT, "b05f1b45-c891-4a9c-b47e-91ee6c8ffb44", null, null);
	}

	static LegacyConversationClosed legacyClosed(Platform platform, long conversationId) {
		return new LegacyConversationClosed(UUID.randomUUID().toString(), platform, 1L, 1L,
				String.valueOf(conversationId), 1L, Channel.CHAT, "593de0891b628a50b09835dc6c0e92565329c74baa90e",
				null, null);
	}

	static VisitorUpdated visitorUpdated(Platform platform, String visitorId) {
		return new VisitorUpdated(UUID.randomUUID().toString(), platform, 1L, 1L, visitorId, null, null);
	}

	/** The REST envelope around {@code data}. */
	static String success(String data) {
		return "{\"meta\":{\"status\":\"success\"},\"data\":" + data + "}";
	}

	static String page(String data, int page, int pages) {
		return "{\"meta\":{\"status\":\"success\"},\"data\":" + data + ",\"pagination\":{\"page\":" + page
				+ ",\"pages\":" + pages + ",\"limit\":100,\"count\":" + (pages * 100) + "}}";
	}

	static String failure(String status, String message) {
		return "{\"meta\":{\"status\":\"" + status + "\",\"message\":\"" + message + "\"}}";
	}

	static String token(String value) {
		return "{\"access_token\":\"" + value
				+ "\",\"expires_in\":86400,\"token_type\":\"Bearer\",\"refresh_token\":\"none\"}";
	}

	/**
	 * Two runs of {@code call} with one slot for requests ({@code max-concurrent-requests=1}): the first holds the
	 * slot (its request has reached the server, as {@code requestsSeen} tells), the second waits for it.
	 */
	static SlotQueue oneHoldingTheSlotOneWaiting(Runnable call, Supplier<Integer> requestsSeen) {
		Thread holder = startedUntilItsRequest(call, requestsSeen);
		AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
		Thread waiter = startedCapturing(call, failure);
		// WAITING without a call timeout, TIMED_WAITING with one.
		await().atMost(Duration.ofSeconds(5))
			.until(() -> waiter.getState() == Thread.State.WAITING || waiter.getState() == Thread.State.TIMED_WAITING);
		return new SlotQueue(holder, waiter, failure);
	}

	/** Starts {@code call} on a virtual thread and waits until its request reached the server, the first one there. */
	static Thread startedUntilItsRequest(Runnable call, Supplier<Integer> requestsSeen) {
		Thread thread = Thread.ofVirtual().start(call);
		await().atMost(Duration.ofSeconds(5)).until(() -> requestsSeen.get() == 1);
		return thread;
	}

	/** Starts {@code call} on a virtual thread; what it throws ends up in {@code failure}. */
	static Thread startedCapturing(Runnable call, AtomicReference<@Nullable Throwable> failure) {
		return Thread.ofVirtual().start(() -> {
			try {
				call.run();
			}
			catch (Throwable ex) {
				failure.set(ex);
			}
		});
	}

	/** See {@link #oneHoldingTheSlotOneWaiting}. */
	record SlotQueue(Thread holder, Thread waiter, AtomicReference<@Nullable Throwable> waiterFailure) {

		/** Waits for both calls to end; the waiter's failure, if any. */
		@Nullable Throwable join() throws InterruptedException {
			this.waiter.join();
			this.holder.join();
			return this.waiterFailure.get();
		}

	}

	/** Runs {@code count} calls at once, released together, and returns their answers. */
	static <T> List<T> concurrently(int count, Callable<T> call) throws Exception {
		CountDownLatch start = new CountDownLatch(1);
		try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
			List<Future<T>> answers = IntStream.range(0, count).mapToObj((i) -> threads.submit(() -> {
				start.await();
				return call.call();
			})).toList();
			start.countDown();
			List<T> results = new ArrayList<>();
			for (Future<T> answer : answers) {
				results.add(answer.get());
			}
			return results;
		}
	}

}
