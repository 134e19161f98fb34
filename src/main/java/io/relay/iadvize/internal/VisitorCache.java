package io.relay.iadvize.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.Visitor;
import org.jspecify.annotations.Nullable;

/**
 * Short-lived memory of visitor lookups, private to this module (no application-wide {@code CacheManager} or
 * {@code @EnableCaching} is involved, so other modules' caching is untouched). Concurrent lookups of one visitor wait
 * for the first one's answer (no longer than their own call's time): a burst of events for one visitor asks iAdvize
 * once, and shares its failure, but for a refused login (see {@link #sharedWithWaiters}). A lookup waiting for a
 * first one whose own time ran out (when it has time left), or whose login was refused, asks itself. Failures are not
 * remembered. Metrics: {@code cache.*} tagged {@code cache=iadvize.visitors}.
 * <p>
 * A remembered visitor may be up to the time to live old. Where that is known to be too old, a lookup
 * {@link #refresh refreshes} the entry rather than {@link #get reading} it: it asks iAdvize, and its answer replaces
 * the remembered one for the lookups after it.
 * <p>
 * The cache holds a future per visitor, and the thread that put it there asks iAdvize outside the cache's map. A
 * lookup run inside the map (a synchronous cache's {@code get(key, loader)}) holds a lock that the map shares
 * between keys and that its growth waits for: one slow iAdvize answer held up lookups of other visitors.
 */
final class VisitorCache {

	static final String NAME = "iadvize.visitors";

	/** {@code null} when the time to live is zero: every lookup asks iAdvize. */
	private final @Nullable AsyncCache<Key, Visitor> cache;

	VisitorCache(IAdvizeProperties.Cache settings, MeterRegistry registry) {
		Duration ttl = settings.visitorTtl();
		if (ttl.isZero()) {
			this.cache = null;
			return;
		}
		this.cache = CaffeineCacheMetrics.monitor(registry, Caffeine.newBuilder()
			.expireAfterWrite(ttl)
			.maximumSize(settings.visitorMaxSize())
			.recordStats()
			.<Key, Visitor>buildAsync(), NAME);
	}

	/** The cached visitor for this id, or the loader's answer, remembered. */
	Visitor get(Api api, Platform platform, String id, Supplier<@Nullable Visitor> loader) {
		if (this.cache == null) {
			return answered(loader.get());
		}
		CompletableFuture<Visitor> mine = new CompletableFuture<>();
		Key key = new Key(api, platform, id);
		CompletableFuture<Visitor> answer = this.cache.get(key, (ignored, executor) -> mine);
		if (answer != mine) {
			Visitor shared = await(api, answer);
			if (shared != null) {
				return shared;
			}
			// The lookup waited for gave up because its own call's time was up, not this one's, or failed in a way
			// that was its own: this one asks.
			this.cache.asMap().remove(key, answer);
			return get(api, platform, id, loader);
		}
		return load(mine, loader);
	}

	/**
	 * The loader's answer, never a remembered one nor that of a lookup already under way (which may have started
	 * before the change this lookup is asked for), remembered in place of what was. The lookups that come while it
	 * runs wait for it, as for any other: they get the visitor as it is now. Of two such lookups of one visitor, the
	 * one that started last is remembered.
	 */
	Visitor refresh(Api api, Platform platform, String id, Supplier<@Nullable Visitor> loader) {
		if (this.cache == null) {
			return answered(loader.get());
		}
		CompletableFuture<Visitor> mine = new CompletableFuture<>();
		this.cache.put(new Key(api, platform, id), mine);
		return load(mine, loader);
	}

	/** Asks iAdvize, and completes {@code mine}, a future the cache holds, with the answer or the failure. */
	private static Visitor load(CompletableFuture<Visitor> mine, Supplier<@Nullable Visitor> loader) {
		try {
			Visitor visitor = answered(loader.get());
			mine.complete(visitor);
			return visitor;
		}
		catch (RuntimeException | Error ex) {
			// The cache drops a future that fails; the lookups waiting for it get this failure.
			mine.completeExceptionally(ex);
			throw ex;
		}
	}

	private static Visitor answered(@Nullable Visitor visitor) {
		if (visitor == null) {
			throw new IllegalStateException("A visitor lookup answered nothing");
		}
		return visitor;
	}

	/**
	 * Another lookup's answer, waited for no longer than this call's time allows.
	 * @return {@code null} when this lookup is to ask itself: the other one ran out of its own call's time and this
	 * call has time left, or it failed for good in a way that is not this lookup's failure
	 * ({@link #sharedWithWaiters})
	 */
	private static @Nullable Visitor await(Api api, CompletableFuture<Visitor> answer) {
		try {
			Duration left = CallDeadline.timeLeft();
			return (left != null) ? answer.get(TimeUnit.NANOSECONDS.convert(left), TimeUnit.NANOSECONDS)
					: answer.get();
		}
		catch (TimeoutException ex) {
			throw CallDeadline.givenUp(api, "visitor");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for another lookup of this visitor", ex);
		}
		catch (ExecutionException ex) {
			if (CallDeadline.ranOut(ex.getCause()) && CallDeadline.leavesTimeAfter(Duration.ZERO)) {
				return null;
			}
			if (ex.getCause() instanceof IAdvizeApiException failure && !sharedWithWaiters(failure)) {
				return null;
			}
			if (ex.getCause() instanceof RuntimeException failure) {
				throw failure;
			}
			if (ex.getCause() instanceof Error error) {
				throw error;
			}
			throw new IllegalStateException("A visitor lookup failed", ex.getCause());
		}
	}

	/**
	 * Whether the lookups that waited for the one that failed so fail with it: yes, but for a refused login. A
	 * transient failure, a visitor iAdvize does not know, a refused key, a wrong URL, an answer over the size limit:
	 * each would be the same for whoever asks, and asking again, one waiting lookup after another, would only cost
	 * requests and the waiters' time (the last ones would run out of it and end otherwise than the first). A refused
	 * login is the failure of the call whose own login iAdvize refused only: the others get a retryable failure while
	 * logins are paused ({@link AccessTokens}), without a request; shared, one refusal would send every delivery for
	 * the visitor DEAD. Then each waiting lookup asks itself (the first of them for the others).
	 */
	private static boolean sharedWithWaiters(IAdvizeApiException failure) {
		return !(failure instanceof IAdvizeApiException.AuthenticationFailed
				&& AccessTokens.RESOURCE.equals(failure.resource()));
	}

	private record Key(Api api, Platform platform, String id) {
	}

}
