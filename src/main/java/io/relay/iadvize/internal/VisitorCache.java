package io.relay.iadvize.internal;

import java.time.Duration;
import java.util.function.Supplier;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.Visitor;
import org.springframework.cache.Cache;
import org.springframework.cache.caffeine.CaffeineCache;
import org.springframework.cache.support.NoOpCache;

/**
 * Short-lived memory of visitor lookups: a Spring {@link Cache} backed by Caffeine, private to this module (no
 * application-wide {@code CacheManager} or {@code @EnableCaching} is involved, so other modules' caching is
 * untouched). Concurrent lookups of one visitor wait for the first one's answer: a burst of events for one visitor
 * asks iAdvize once. Failures are not remembered. Metrics: {@code cache.*} tagged {@code cache=iadvize.visitors}.
 */
final class VisitorCache {

	static final String NAME = "iadvize.visitors";

	private final Cache cache;

	VisitorCache(IAdvizeProperties.Cache settings, MeterRegistry registry) {
		Duration ttl = settings.visitorTtl();
		if (ttl.isZero()) {
			this.cache = new NoOpCache(NAME);
			return;
		}
		com.github.benmanes.caffeine.cache.Cache<Object, Object> store = Caffeine.newBuilder()
			.expireAfterWrite(ttl)
			.maximumSize(settings.visitorMaxSize())
			.recordStats()
			.build();
		CaffeineCacheMetrics.monitor(registry, store, NAME);
		this.cache = new CaffeineCache(NAME, store, false);
	}

	/** The cached visitor for this id, or the loader's answer, remembered. */
	Visitor get(Api api, Platform platform, String id, Supplier<Visitor> loader) {
		try {
			Visitor visitor = this.cache.get(new Key(api, platform, id), loader::get);
			if (visitor == null) {
				throw new IllegalStateException("A visitor lookup answered nothing");
			}
			return visitor;
		}
		catch (Cache.ValueRetrievalException ex) {
			if (ex.getCause() instanceof RuntimeException failure) {
				throw failure;
			}
			throw ex;
		}
	}

	private record Key(Api api, Platform platform, String id) {
	}

}
