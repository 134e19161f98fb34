package io.relay.iadvize.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.Visitor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

class VisitorCacheTests {

	private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final VisitorCache cache = new VisitorCache(new IAdvizeProperties.Cache(Duration.ofMinutes(1), 10_000),
			this.registry);

	@AfterEach
	void stop() {
		this.threads.shutdownNow();
	}

	@Test
	void aSlowLookupDoesNotHoldUpOtherVisitors() throws Exception {
		// A slow iAdvize answer for one visitor. The others are looked up meanwhile: none may wait for it (a lookup
		// run inside the map's compute holds a lock that other keys share, and the map's growth waits for it too).
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch slowStarted = new CountDownLatch(1);
		CompletableFuture<Visitor> slow = CompletableFuture.supplyAsync(() -> this.cache.get(Api.REST, Platform.SD,
				"slow", () -> {
					slowStarted.countDown();
					awaitQuietly(release);
					return visitor("slow");
				}), this.threads);
		assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
		List<CompletableFuture<Visitor>> others = IntStream.range(0, 500)
			.mapToObj((i) -> CompletableFuture.supplyAsync(
					() -> this.cache.get(Api.REST, Platform.SD, "v-" + i, () -> visitor("v-" + i)), this.threads))
			.toList();
		try {
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(others).allMatch(CompletableFuture::isDone));
			assertThat(others.get(499).join().id()).isEqualTo("v-499");
			assertThat(slow).isNotDone();
		}
		finally {
			release.countDown();
		}
		assertThat(slow.get(10, TimeUnit.SECONDS).id()).isEqualTo("slow");
	}

	@Test
	void concurrentLookupsOfOneVisitorAskOnceAndAnAnswerIsRemembered() throws Exception {
		AtomicInteger asked = new AtomicInteger();
		CountDownLatch release = new CountDownLatch(1);
		List<CompletableFuture<Visitor>> lookups = IntStream.range(0, 20)
			.mapToObj((i) -> CompletableFuture.supplyAsync(() -> this.cache.get(Api.GRAPHQL, Platform.HA, "one", () -> {
				asked.incrementAndGet();
				awaitQuietly(release);
				return visitor("one");
			}), this.threads))
			.toList();
		await().atMost(Duration.ofSeconds(10)).until(() -> asked.get() == 1);
		release.countDown();
		for (CompletableFuture<Visitor> lookup : lookups) {
			assertThat(lookup.get(10, TimeUnit.SECONDS).id()).isEqualTo("one");
		}
		assertThat(this.cache.get(Api.GRAPHQL, Platform.HA, "one", () -> visitor("other")).id()).isEqualTo("one");
		assertThat(asked).hasValue(1);
	}

	@Test
	void lookupsWaitingForAFailedOneGetItsFailure() throws Exception {
		AtomicInteger asked = new AtomicInteger();
		CountDownLatch release = new CountDownLatch(1);
		IAdvizeApiException failure = new IAdvizeApiException.Rejected(Api.REST, "visitor", "refused");
		List<CompletableFuture<Visitor>> lookups = IntStream.range(0, 10)
			.mapToObj((i) -> CompletableFuture.supplyAsync(() -> this.cache.get(Api.REST, Platform.SD, "failing", () -> {
				asked.incrementAndGet();
				awaitQuietly(release);
				throw failure;
			}), this.threads))
			.toList();
		await().atMost(Duration.ofSeconds(10)).until(() -> asked.get() == 1);
		release.countDown();
		for (CompletableFuture<Visitor> lookup : lookups) {
			assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
				.isThrownBy(() -> lookup.get(10, TimeUnit.SECONDS))
				.havingCause()
				.isSameAs(failure);
		}
		assertThat(asked).hasValue(1);
	}

	@Test
	void aFailureIsThrownAsItIsAndNotRemembered() {
		IAdvizeApiException failure = new IAdvizeApiException.Rejected(Api.REST, "visitor", "refused");
		assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
			.isThrownBy(() -> this.cache.get(Api.REST, Platform.SD, "f", () -> {
				throw failure;
			}))
			.isSameAs(failure);
		assertThat(this.cache.get(Api.REST, Platform.SD, "f", () -> visitor("f")).id()).isEqualTo("f");
	}

	@Test
	void aLookupThatAnswersNothingIsAnErrorAndNotRemembered() {
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.cache.get(Api.REST, Platform.SD, "n", () -> null))
			.withMessageContaining("answered nothing");
		assertThat(this.cache.get(Api.REST, Platform.SD, "n", () -> visitor("n")).id()).isEqualTo("n");
	}

	@Test
	void keysDifferByApiAndPlatform() {
		this.cache.get(Api.REST, Platform.SD, "k", () -> visitor("rest-sd"));
		assertThat(this.cache.get(Api.REST, Platform.HA, "k", () -> visitor("rest-ha")).id()).isEqualTo("rest-ha");
		assertThat(this.cache.get(Api.GRAPHQL, Platform.SD, "k", () -> visitor("graphql-sd")).id())
			.isEqualTo("graphql-sd");
		assertThat(this.cache.get(Api.REST, Platform.SD, "k", () -> visitor("again")).id()).isEqualTo("rest-sd");
	}

	@Test
	void hitsAndMissesAreMeasured() {
		this.cache.get(Api.REST, Platform.SD, "m", () -> visitor("m"));
		this.cache.get(Api.REST, Platform.SD, "m", () -> visitor("m"));
		this.cache.get(Api.REST, Platform.SD, "m", () -> visitor("m"));
		assertThat(this.registry.get("cache.gets").tag("cache", VisitorCache.NAME).tag("result", "miss")
			.functionCounter().count()).isEqualTo(1);
		assertThat(this.registry.get("cache.gets").tag("cache", VisitorCache.NAME).tag("result", "hit")
			.functionCounter().count()).isEqualTo(2);
	}

	@Test
	void aZeroTimeToLiveAsksEveryTime() {
		VisitorCache uncached = new VisitorCache(new IAdvizeProperties.Cache(Duration.ZERO, 10), this.registry);
		AtomicInteger asked = new AtomicInteger();
		uncached.get(Api.REST, Platform.SD, "z", () -> visitor("z-" + asked.incrementAndGet()));
		assertThat(uncached.get(Api.REST, Platform.SD, "z", () -> visitor("z-" + asked.incrementAndGet())).id())
			.isEqualTo("z-2");
	}

	private static Visitor visitor(String id) {
		return new Visitor(Api.REST, id, null, null, null, null, null, null, null, null, null);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
