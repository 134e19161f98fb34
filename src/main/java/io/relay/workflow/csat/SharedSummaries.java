package io.relay.workflow.csat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
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
 * Each range keeps its latest summary, with the {@link Answers#lastChange() change token} read before it was
 * computed (so it counts at least everything the token stands for): a request with the same token shares it, being
 * computed or done; one with another token computes anew and replaces it. A page told of a change never gets
 * figures from before it. A summary is kept one minute at the most (changes made straight in the database, such as a
 * clean-up of old answers, need not move the token), for {@link #RANGES_KEPT} ranges at the most. Failures are not
 * kept. Counted in {@code relay.dashboard.summaries} by outcome: {@code computed}, {@code shared}, {@code refused}.
 */
final class SharedSummaries {

	/** The most summaries computed at once on one instance: at most this many of the pool's connections. */
	static final int MAX_COMPUTING = 2;

	/** How long a request waits for a turn to compute, before a 503 that tells the page to try again. */
	static final Duration TURN_WAIT = Duration.ofSeconds(20);

	/**
	 * The longest a request waits for a summary another one computes (its turn and its computation), before a 503:
	 * the 60 s nginx's example gives the dashboard's requests, less a margin.
	 */
	static final Duration SHARE_WAIT = Duration.ofSeconds(50);

	/** Ranges kept: the default one and a few custom ones (a summary of a busy account can weigh megabytes). */
	static final int RANGES_KEPT = 16;

	private static final Duration KEPT = Duration.ofMinutes(1);

	/**
	 * The latest computation of each range. Its own expiry is only a bound on memory: a {@code compute} that keeps
	 * a holder counts as a write and would keep it alive as long as pages ask; the age is checked by the holder.
	 */
	private final Cache<Range, Computation> latest = Caffeine.newBuilder()
		.expireAfterWrite(KEPT)
		.maximumSize(RANGES_KEPT)
		.build();

	private final Semaphore turns = new Semaphore(MAX_COMPUTING, true);

	private final Supplier<String> changeToken;

	private final BiFunction<LocalDate, LocalDate, Summary> computation;

	private final Duration turnWait;

	private final Duration shareWait;

	private final Clock clock;

	private final Counter computed;

	private final Counter shared;

	private final Counter refused;

	SharedSummaries(Supplier<String> changeToken, BiFunction<LocalDate, LocalDate, Summary> computation,
			MeterRegistry registry, Duration turnWait, Duration shareWait, Clock clock) {
		this.changeToken = changeToken;
		this.clock = clock;
		this.computation = computation;
		this.turnWait = turnWait;
		this.shareWait = shareWait;
		this.computed = counter(registry, "computed");
		this.shared = counter(registry, "shared");
		this.refused = counter(registry, "refused");
	}

	private static Counter counter(MeterRegistry registry, String outcome) {
		return Counter.builder("relay.dashboard.summaries")
			.description("Dashboard summaries asked for, by outcome (computed, shared with other pages, refused: 503)")
			.tag("outcome", outcome)
			.register(registry);
	}

	/** The figures from {@code from} to {@code to}: one being computed or kept at the tables' state, or new ones. */
	Summary summarize(LocalDate from, LocalDate to) {
		Range range = new Range(from, to);
		String token = this.changeToken.get();
		Instant now = this.clock.instant();
		Computation mine = new Computation(token, now);
		// Only the holder is made inside the map; the computation runs outside it, which would hold a lock that other
		// ranges share. A request whose token differs replaces the holder, even one that read its token before the
		// holder's (tokens have no order): one computation more, never older figures for a newer token.
		Computation current = this.latest.asMap()
			.compute(range, (key, kept) -> (kept != null && kept.serves(token, now)) ? kept : mine);
		if (current != mine) {
			this.shared.increment();
			return join(current.summary);
		}
		try {
			Summary summary = compute(from, to);
			mine.summary.complete(summary);
			return summary;
		}
		catch (RuntimeException | Error ex) {
			// Not kept: the requests waiting for it get this failure, and the next one tries again.
			this.latest.asMap().remove(range, mine);
			mine.summary.completeExceptionally(ex);
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
			this.refused.increment();
			throw busy("The figures of other ranges are being computed (at most " + MAX_COMPUTING + " at once, so "
					+ "that the dashboard leaves the database to the webhook): try again in a few seconds");
		}
		try {
			this.computed.increment();
			return this.computation.apply(from, to);
		}
		finally {
			this.turns.release();
		}
	}

	private Summary join(CompletableFuture<Summary> summary) {
		try {
			return summary.get(this.shareWait.toNanos(), TimeUnit.NANOSECONDS);
		}
		catch (TimeoutException ex) {
			this.refused.increment();
			throw busy("The figures of this range are still being computed for another page: try again in a few "
					+ "seconds");
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

	private record Range(LocalDate from, LocalDate to) {
	}

	/** A summary of one range at one state of the tables: being computed, or done. */
	private static final class Computation {

		final String token;

		final Instant started;

		final CompletableFuture<Summary> summary = new CompletableFuture<>();

		Computation(String token, Instant started) {
			this.token = token;
			this.started = started;
		}

		/**
		 * Whether a request with {@code token} at {@code now} gets this summary: the same token, and still being
		 * computed (a copy started beside it would take a second turn for the same figures) or less than KEPT old.
		 */
		boolean serves(String token, Instant now) {
			return this.token.equals(token) && (!this.summary.isDone() || now.isBefore(this.started.plus(KEPT)));
		}

	}

}
