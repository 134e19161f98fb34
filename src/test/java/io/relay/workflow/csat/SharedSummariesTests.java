package io.relay.workflow.csat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * {@link SharedSummaries}: one computation for every page showing a range while the tables stay as they are, a new
 * one after a change, and never more than two at once.
 */
class SharedSummariesTests {

	private static final LocalDate DAY = LocalDate.parse("2026-11-20");

	private final AtomicReference<String> token = new AtomicReference<>("t1");

	private final AtomicInteger computed = new AtomicInteger();

	private final AtomicInteger computing = new AtomicInteger();

	/** Open: computations run through; closed, they wait for it. */
	private volatile CountDownLatch gate = new CountDownLatch(0);

	private final List<Thread> threads = new ArrayList<>();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-20T12:00:00Z"));

	private final SharedSummaries summaries = new SharedSummaries(this.token::get, this::compute, this.registry,
			Duration.ofSeconds(30), Duration.ofSeconds(30), this.clock);

	@AfterEach
	void release() {
		this.gate.countDown();
		this.threads.forEach(Thread::interrupt);
	}

	@Test
	void pagesAskingForOneRangeAtOneStateShareOneComputation() throws Exception {
		this.gate = new CountDownLatch(1);
		CompletableFuture<Summary> first = ask(DAY, DAY);
		await().until(() -> this.computing.get() == 1);
		List<CompletableFuture<Summary>> others = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			others.add(ask(DAY, DAY));
		}
		// The five wait for the one being computed, none computes: nothing is done yet.
		await().until(() -> blocked() == 6);
		assertThat(others).noneMatch(CompletableFuture::isDone);
		this.gate.countDown();

		Summary summary = first.get(10, TimeUnit.SECONDS);
		for (CompletableFuture<Summary> other : others) {
			assertThat(other.get(10, TimeUnit.SECONDS)).isSameAs(summary);
		}
		// And kept: a page opening now gets it too.
		assertThat(this.summaries.summarize(DAY, DAY)).isSameAs(summary);
		assertThat(this.computed).hasValue(1);
		assertThat(count("computed")).isEqualTo(1);
		assertThat(count("shared")).isEqualTo(6);
	}

	@Test
	void aChangeToTheTablesGivesNewFiguresAndAnotherRangeItsOwn() {
		Summary before = this.summaries.summarize(DAY, DAY);
		this.token.set("t2");
		Summary after = this.summaries.summarize(DAY, DAY);
		Summary otherRange = this.summaries.summarize(DAY.minusDays(6), DAY);
		assertThat(after).isNotSameAs(before);
		assertThat(otherRange.from()).isEqualTo(DAY.minusDays(6));
		assertThat(this.computed).hasValue(3);
		assertThat(count("computed")).isEqualTo(3);
		assertThat(count("shared")).isZero();
	}

	@Test
	void atMostTwoAreComputedAtOnceAndAThirdWaitsItsTurn() throws Exception {
		this.gate = new CountDownLatch(1);
		List<CompletableFuture<Summary>> ranges = new ArrayList<>();
		for (int days = 0; days < 4; days++) {
			ranges.add(ask(DAY.minusDays(days), DAY));
		}
		await().until(() -> this.computing.get() == SharedSummaries.MAX_COMPUTING);
		await().until(() -> blocked() == 4);
		assertThat(this.computing).hasValue(SharedSummaries.MAX_COMPUTING);
		assertThat(this.computed).hasValue(SharedSummaries.MAX_COMPUTING);

		this.gate.countDown();
		for (CompletableFuture<Summary> range : ranges) {
			assertThat(range.get(10, TimeUnit.SECONDS)).isNotNull();
		}
		assertThat(this.computed).hasValue(4);
	}

	@Test
	void aRequestThatFindsNoTurnInTimeIsAskedToComeBackAndNothingIsKept() throws Exception {
		SharedSummaries impatient = new SharedSummaries(this.token::get, this::compute, this.registry,
				Duration.ofMillis(50), Duration.ofMillis(50), this.clock);
		this.gate = new CountDownLatch(1);
		ask(impatient, DAY.minusDays(1), DAY);
		ask(impatient, DAY.minusDays(2), DAY);
		await().until(() -> this.computing.get() == SharedSummaries.MAX_COMPUTING);

		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> impatient.summarize(DAY, DAY))
			.satisfies((ex) -> {
				assertThat(ex.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
				assertThat(ex.getBody().getDetail()).contains("try again in a few seconds");
				assertThat(ex.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("5");
			});
		assertThat(count("refused")).isEqualTo(1);
		this.gate.countDown();
		assertThat(impatient.summarize(DAY, DAY).from()).isEqualTo(DAY);
	}

	@Test
	void aRequestWaitingForAnotherPagesSummaryIsAskedToComeBackAfterAWhile() {
		SharedSummaries impatient = new SharedSummaries(this.token::get, this::compute, this.registry,
				Duration.ofSeconds(30), Duration.ofMillis(50), this.clock);
		this.gate = new CountDownLatch(1);
		ask(impatient, DAY, DAY);
		await().until(() -> this.computing.get() == 1);

		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> impatient.summarize(DAY, DAY))
			.satisfies((ex) -> assertThat(ex.getBody().getDetail()).contains("still being computed for another page"));
		assertThat(this.computed).hasValue(1);
	}

	@Test
	void aSummaryIsKeptOneMinuteAtMostHoweverOftenPagesAskForIt() {
		// Changes made straight in the database (a clean-up of old answers) need not move the change token.
		Summary first = this.summaries.summarize(DAY, DAY);
		for (int seconds = 0; seconds < 55; seconds += 5) {
			this.clock.advance(Duration.ofSeconds(5));
			assertThat(this.summaries.summarize(DAY, DAY)).isSameAs(first);
		}
		this.clock.advance(Duration.ofSeconds(5));
		assertThat(this.summaries.summarize(DAY, DAY)).isNotSameAs(first);
		assertThat(this.computed).hasValue(2);
	}

	@Test
	void aSummaryStillBeingComputedAfterAMinuteIsStillShared() throws Exception {
		this.gate = new CountDownLatch(1);
		CompletableFuture<Summary> first = ask(DAY, DAY);
		await().until(() -> this.computing.get() == 1);
		this.clock.advance(Duration.ofSeconds(90));
		CompletableFuture<Summary> second = ask(DAY, DAY);
		await().until(() -> blocked() == 2);
		this.gate.countDown();
		assertThat(second.get(10, TimeUnit.SECONDS)).isSameAs(first.get(10, TimeUnit.SECONDS));
		assertThat(this.computed).hasValue(1);
	}

	@Test
	void eachRangeKeepsOnlyItsLatestSummary() {
		Summary first = this.summaries.summarize(DAY, DAY);
		this.token.set("t2");
		Summary second = this.summaries.summarize(DAY, DAY);
		// A request that read the older token (just before the change) computes anew rather than take the newer one.
		this.token.set("t1");
		Summary again = this.summaries.summarize(DAY, DAY);
		assertThat(again).isNotSameAs(first).isNotSameAs(second);
		assertThat(this.computed).hasValue(3);
	}

	@Test
	void aFailureIsNotKept() {
		this.token.set("fail");
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> this.summaries.summarize(DAY, DAY));
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> this.summaries.summarize(DAY, DAY));
		assertThat(this.computed).hasValue(2);
	}

	private double count(String outcome) {
		return this.registry.get("relay.dashboard.summaries").tag("outcome", outcome).counter().count();
	}

	/** How many of the requests wait: for the gate, for a computation, or for a turn. */
	private long blocked() {
		return this.threads.stream()
			.filter((thread) -> thread.getState() == Thread.State.WAITING
					|| thread.getState() == Thread.State.TIMED_WAITING)
			.count();
	}

	private CompletableFuture<Summary> ask(LocalDate from, LocalDate to) {
		return ask(this.summaries, from, to);
	}

	private CompletableFuture<Summary> ask(SharedSummaries shared, LocalDate from, LocalDate to) {
		CompletableFuture<Summary> answer = new CompletableFuture<>();
		Thread thread = Thread.ofPlatform().daemon().start(() -> {
			try {
				answer.complete(shared.summarize(from, to));
			}
			catch (RuntimeException ex) {
				answer.completeExceptionally(ex);
			}
		});
		this.threads.add(thread);
		return answer;
	}

	private Summary compute(LocalDate from, LocalDate to) {
		this.computed.incrementAndGet();
		this.computing.incrementAndGet();
		try {
			if (this.token.get().equals("fail")) {
				throw new IllegalStateException("database down");
			}
			this.gate.await();
			return new Summary(from, to, "UTC", null, null, List.of(), List.of(), List.of(), List.of(), List.of(),
					Instant.now());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		finally {
			this.computing.decrementAndGet();
		}
	}

}
