package io.relay.iadvize.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.Visitor;
import org.jspecify.annotations.Nullable;
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
		CompletableFuture<Visitor> slow = askingUntil(release, visitor("slow"),
				(loader) -> this.cache.get(Api.REST, Platform.SD, "slow", loader));
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
	void lookupsWaitingForOneThatFailsForNowGetItsFailure() throws Exception {
		IAdvizeApiException failure = new IAdvizeApiException.Unavailable(Api.REST, "visitor", "answered HTTP 503",
				null, null);
		assertThat(lookupsWaitingForOneThatFails(failure, 10)).allSatisfy((outcome) -> assertThat(outcome)
			.isSameAs(failure));
	}

	@Test
	void lookupsWaitingForOneOfAVisitorIAdvizeDoesNotKnowGetThatAnswer() throws Exception {
		// The same answer for everyone: asking again would only cost requests.
		IAdvizeApiException unknown = new IAdvizeApiException.NotFound(Api.REST, "visitor", "Unknown 'visitor'");
		assertThat(lookupsWaitingForOneThatFails(unknown, 10)).allSatisfy((outcome) -> assertThat(outcome)
			.isSameAs(unknown));
	}

	@Test
	void lookupsWaitingForOneThatIAdvizeRefusedForGoodGetItsFailure() throws Exception {
		// A wrong URL or a refused key: the same for every lookup, and each asking again in turn would only cost
		// requests (and the waiters' time).
		IAdvizeApiException wrongUrl = new IAdvizeApiException.Rejected(Api.REST, "visitor",
				"iAdvize REST visitor answered HTTP 404, not an answer of iAdvize's API");
		IAdvizeApiException badKey = new IAdvizeApiException.AuthenticationFailed(Api.REST, "visitor", "Forbidden");
		assertThat(lookupsWaitingForOneThatFails(wrongUrl, 10)).allSatisfy((outcome) -> assertThat(outcome)
			.isSameAs(wrongUrl));
		assertThat(lookupsWaitingForOneThatFails(badKey, 10)).allSatisfy((outcome) -> assertThat(outcome)
			.isSameAs(badKey));
	}

	@Test
	void aRefusedLoginIsOnlyTheFailureOfTheLookupThatGotItAndTheOthersAsk() throws Exception {
		// The calls that did not log in themselves must not go DEAD with it (AccessTokens pauses their logins).
		IAdvizeApiException refused = new IAdvizeApiException.AuthenticationFailed(Api.GRAPHQL, AccessTokens.RESOURCE,
				"iAdvize refused the GraphQL login with HTTP 401");
		List<Object> outcomes = lookupsWaitingForOneThatFails(refused, 10);
		assertThat(outcomes).filteredOn(refused::equals).hasSize(1);
		assertThat(outcomes).filteredOn(Visitor.class::isInstance)
			.hasSize(9)
			.allSatisfy((outcome) -> assertThat(((Visitor) outcome).id()).isEqualTo("asked-again"));
	}

	/**
	 * {@code count} concurrent lookups of one visitor, the first of which fails with {@code failure} once all the
	 * others wait for it; a lookup after it answers the visitor {@code asked-again}.
	 * @return each lookup's visitor or failure
	 */
	private List<Object> lookupsWaitingForOneThatFails(IAdvizeApiException failure, int count) throws Exception {
		AtomicInteger asked = new AtomicInteger();
		CountDownLatch release = new CountDownLatch(1);
		double hitsBefore = gets("hit");
		List<CompletableFuture<Visitor>> lookups = IntStream.range(0, count)
			.mapToObj((i) -> CompletableFuture.supplyAsync(() -> this.cache.get(Api.REST, Platform.SD, "failing", () -> {
				if (asked.incrementAndGet() > 1) {
					return visitor("asked-again");
				}
				awaitQuietly(release);
				throw failure;
			}), this.threads))
			.toList();
		// All but the first found its lookup under way (a hit each), and wait for it.
		await().atMost(Duration.ofSeconds(10)).until(() -> asked.get() == 1 && gets("hit") - hitsBefore == count - 1);
		release.countDown();
		List<Object> outcomes = new ArrayList<>();
		for (CompletableFuture<Visitor> lookup : lookups) {
			outcomes.add(lookup.handle((visitor, thrown) -> (thrown != null) ? thrown.getCause() : visitor)
				.get(10, TimeUnit.SECONDS));
		}
		// One more lookup at most: the first of those that then asked themselves, the others waiting for it.
		assertThat(asked).hasValueLessThanOrEqualTo(2);
		return outcomes;
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
	void aRefreshAsksAgainAndTheLookupsAfterItGetItsAnswer() {
		this.cache.get(Api.REST, Platform.SD, "r", () -> visitor("r", null));
		Visitor refreshed = this.cache.refresh(Api.REST, Platform.SD, "r", () -> visitor("r", "ada@example.com"));
		assertThat(refreshed.email()).isEqualTo("ada@example.com");
		assertThat(this.cache.get(Api.REST, Platform.SD, "r", () -> visitor("r", "not-asked@example.com")).email())
			.isEqualTo("ada@example.com");
	}

	@Test
	void aRefreshDoesNotWaitForALookupUnderWayWhichMayHaveStartedBeforeTheChange() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Visitor> earlier = askingUntil(release, visitor("u", null),
				(loader) -> this.cache.get(Api.REST, Platform.SD, "u", loader));
		try {
			assertThat(this.cache.refresh(Api.REST, Platform.SD, "u", () -> visitor("u", "ada@example.com")).email())
				.isEqualTo("ada@example.com");
		}
		finally {
			release.countDown();
		}
		assertThat(earlier.get(10, TimeUnit.SECONDS).email()).isNull();
		// The earlier answer, come last, does not take the place of the refreshed one.
		assertThat(this.cache.get(Api.REST, Platform.SD, "u", () -> visitor("u", "not-asked@example.com")).email())
			.isEqualTo("ada@example.com");
	}

	@Test
	void lookupsThatComeWhileARefreshRunsWaitForItsAnswer() throws Exception {
		this.cache.get(Api.REST, Platform.SD, "w", () -> visitor("w", null));
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Visitor> refresh = askingUntil(release, visitor("w", "ada@example.com"),
				(loader) -> this.cache.refresh(Api.REST, Platform.SD, "w", loader));
		CompletableFuture<Visitor> later = CompletableFuture.supplyAsync(
				() -> this.cache.get(Api.REST, Platform.SD, "w", () -> visitor("w", "not-asked@example.com")),
				this.threads);
		// It found the refresh under way (a hit: the first lookup was the one miss), and waits for it.
		await().atMost(Duration.ofSeconds(10)).until(() -> gets("hit") == 1);
		release.countDown();
		assertThat(later.get(10, TimeUnit.SECONDS).email()).isEqualTo("ada@example.com");
		assertThat(refresh.get(10, TimeUnit.SECONDS).email()).isEqualTo("ada@example.com");
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
		assertThat(gets("miss")).isEqualTo(1);
		assertThat(gets("hit")).isEqualTo(2);
	}

	@Test
	void aZeroTimeToLiveAsksEveryTime() {
		VisitorCache uncached = new VisitorCache(new IAdvizeProperties.Cache(Duration.ZERO, 10), this.registry);
		AtomicInteger asked = new AtomicInteger();
		uncached.get(Api.REST, Platform.SD, "z", () -> visitor("z-" + asked.incrementAndGet()));
		assertThat(uncached.get(Api.REST, Platform.SD, "z", () -> visitor("z-" + asked.incrementAndGet())).id())
			.isEqualTo("z-2");
	}

	/**
	 * Starts {@code lookup} on a thread of its own, with a loader that answers {@code answer} once {@code release}
	 * opens, and returns once that loader runs: iAdvize is being asked, slowly.
	 */
	private CompletableFuture<Visitor> askingUntil(CountDownLatch release, Visitor answer,
			Function<Supplier<@Nullable Visitor>, Visitor> lookup) throws InterruptedException {
		CountDownLatch asking = new CountDownLatch(1);
		CompletableFuture<Visitor> looked = CompletableFuture.supplyAsync(() -> lookup.apply(() -> {
			asking.countDown();
			awaitQuietly(release);
			return answer;
		}), this.threads);
		assertThat(asking.await(10, TimeUnit.SECONDS)).isTrue();
		return looked;
	}

	private double gets(String result) {
		return this.registry.get("cache.gets").tag("cache", VisitorCache.NAME).tag("result", result)
			.functionCounter().count();
	}

	private static Visitor visitor(String id) {
		return visitor(id, null);
	}

	private static Visitor visitor(String id, @Nullable String email) {
		return new Visitor(Api.REST, id, null, null, null, email, null, null, null, null, null);
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
