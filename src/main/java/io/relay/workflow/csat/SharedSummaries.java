package io.relay.workflow.csat;

import java.time.Duration;
import java.time.LocalDate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The summaries the pages ask for, computed once for all the pages that show one range while the tables stay as
 * they are, and never more than {@link #MAX_COMPUTING} at once: every open page asks at the same moment (a
 * {@code changed} event, a restart that reconnects them all), a summary of a month of a busy account reads hundreds
 * of thousands of rows for seconds, and each one computed holds a database connection that the webhook's intake
 * shares. Unbounded, a dozen pages took every connection, and the webhook answered 503 until they were done.
 * <p>
 * A summary is shared by the requests that come with the same {@link Answers#lastChange() change token} (read
 * before it is computed, so it counts at least everything the token stands for), whether it is being computed or
 * done; a change gives a new token, so a page told of a change never gets figures from before it. A summary is
 * kept one minute at the most: changes made straight in the database (a clean-up of old answers) need not move the
 * token. Failures are not kept. Metrics: {@code cache.*} tagged {@code cache=csat.summaries}.
 */
final class SharedSummaries {

	static final String NAME = "csat.summaries";

	/** The most summaries computed at once on one instance: at most this many of the pool's connections. */
	static final int MAX_COMPUTING = 2;

	/** How long a request waits for a turn to compute, before a 503 that tells the page to try again. */
	static final Duration TURN_WAIT = Duration.ofSeconds(20);

	private static final Duration KEPT = Duration.ofMinutes(1);

	private final AsyncCache<Key, Summary> summaries;

	private final Semaphore turns = new Semaphore(MAX_COMPUTING, true);

	private final Supplier<String> changeToken;

	private final BiFunction<LocalDate, LocalDate, Summary> computation;

	private final Duration turnWait;

	SharedSummaries(Supplier<String> changeToken, BiFunction<LocalDate, LocalDate, Summary> computation,
			MeterRegistry registry, Duration turnWait) {
		this.changeToken = changeToken;
		this.computation = computation;
		this.turnWait = turnWait;
		this.summaries = CaffeineCacheMetrics.monitor(registry,
				Caffeine.newBuilder().expireAfterWrite(KEPT).maximumSize(64).recordStats().<Key, Summary>buildAsync(),
				NAME);
	}

	/** The figures from {@code from} to {@code to}: one being computed or kept at the tables' state, or new ones. */
	Summary summarize(LocalDate from, LocalDate to) {
		Key key = new Key(from, to, this.changeToken.get());
		CompletableFuture<Summary> mine = new CompletableFuture<>();
		// The future goes into the cache at once and is completed outside its map: a computation inside the map
		// would hold a lock that other keys share.
		CompletableFuture<Summary> shared = this.summaries.get(key, (ignored, executor) -> mine);
		if (shared != mine) {
			return join(shared);
		}
		try {
			Summary summary = compute(from, to);
			mine.complete(summary);
			return summary;
		}
		catch (RuntimeException | Error ex) {
			// The cache drops a future that fails; the requests waiting for it get this failure.
			mine.completeExceptionally(ex);
			throw ex;
		}
	}

	private Summary compute(LocalDate from, LocalDate to) {
		boolean turn;
		try {
			turn = this.turns.tryAcquire(this.turnWait.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw busy("Interrupted while waiting to compute the figures");
		}
		if (!turn) {
			throw busy("The figures of other ranges are being computed (at most " + MAX_COMPUTING + " at once, so "
					+ "that the dashboard leaves the database to the webhook): try again in a few seconds");
		}
		try {
			return this.computation.apply(from, to);
		}
		finally {
			this.turns.release();
		}
	}

	private static Summary join(CompletableFuture<Summary> shared) {
		try {
			return shared.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw busy("Interrupted while waiting for the figures");
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException failure) {
				throw failure;
			}
			if (ex.getCause() instanceof Error error) {
				throw error;
			}
			throw new IllegalStateException("Computing the figures failed", ex.getCause());
		}
	}

	private static ErrorResponseException busy(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, detail);
		ErrorResponseException busy = new ErrorResponseException(HttpStatus.SERVICE_UNAVAILABLE, problem, null);
		busy.getHeaders().set(HttpHeaders.RETRY_AFTER, "5");
		return busy;
	}

	private record Key(LocalDate from, LocalDate to, String changeToken) {
	}

}
