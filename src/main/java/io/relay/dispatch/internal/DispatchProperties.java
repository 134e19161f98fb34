package io.relay.dispatch.internal;

import java.time.Duration;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How Relay runs its deliveries.
 *
 * @param workers the most deliveries that run at the same time on this instance
 * @param pollInterval how often the database is asked for due work (retries, work written by other instances,
 * deliveries whose lease expired); new events of this instance are dispatched at once, without waiting for it
 * @param lease how long a claimed delivery belongs to this instance: after that, if it has not finished (the
 * instance died), any instance takes it up again. Longer than the slowest handler can take.
 * @param shutdownTimeout how long a graceful shutdown waits for running deliveries before it hands them back
 * @param purgeInterval how often events older than {@code relay.retention} are purged
 * @param statsInterval how often the backlog, lag and dead gauges (and the {@code deliveries} health contributor)
 * are read from the database
 * @param unknownHandlerGrace how long a due delivery for a handler this instance does not have is left to the
 * instances that have it (during a rolling upgrade that adds a workflow, the instances not yet upgraded leave its
 * deliveries to the upgraded ones), and how long an instance counts as running after its last heartbeat; past it,
 * and with no running instance having the handler, this instance ends the delivery {@code SKIPPED}, as it would for
 * a workflow removed from every instance. Zero skips such deliveries as soon as no running instance has the handler.
 * @param heartbeatInterval how often this instance writes its handlers to the database, so that instances without
 * one of them leave its deliveries alone; an instance counts as running for the grace after its last heartbeat
 * (three heartbeats at least)
 * @param instanceTimeout how long after another instance's last heartbeat the deliveries it is running count as
 * abandoned (it crashed, was killed, or lost the database) and are taken over before their lease ends; never less
 * than four heartbeats. At the lease or longer, only the lease counts.
 * @param defaults the retry settings of every handler that has none of its own
 * @param handlers settings per handler name, each overriding {@code defaults}
 */
@ConfigurationProperties("relay.dispatch")
record DispatchProperties(@DefaultValue("16") int workers, @DefaultValue("500ms") Duration pollInterval,
		@DefaultValue("5m") Duration lease, @DefaultValue("20s") Duration shutdownTimeout,
		@DefaultValue("1h") Duration purgeInterval, @DefaultValue("5s") Duration statsInterval,
		@DefaultValue("5m") Duration unknownHandlerGrace, @DefaultValue("10s") Duration heartbeatInterval,
		@DefaultValue("1m") Duration instanceTimeout, @DefaultValue HandlerSettings defaults,
		@DefaultValue Map<String, HandlerSettings> handlers) {

	static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);

	static final Duration DEFAULT_MAX_BACKOFF = Duration.ofHours(1);

	/** Longer would keep work past the default retention; far longer would overflow the claim's times. */
	static final Duration MAX_UNKNOWN_HANDLER_GRACE = Duration.ofDays(30);

	/** Longer would let an instance that stopped for good hold its handlers' deliveries for a long time. */
	static final Duration MAX_HEARTBEAT_INTERVAL = Duration.ofMinutes(10);

	DispatchProperties {
		check(workers >= 1 && workers <= 1024, "relay.dispatch.workers must be between 1 and 1024, but was " + workers);
		positive(pollInterval, "relay.dispatch.poll-interval");
		positive(lease, "relay.dispatch.lease");
		positive(shutdownTimeout, "relay.dispatch.shutdown-timeout");
		positive(purgeInterval, "relay.dispatch.purge-interval");
		positive(statsInterval, "relay.dispatch.stats-interval");
		check(!unknownHandlerGrace.isNegative() && unknownHandlerGrace.compareTo(MAX_UNKNOWN_HANDLER_GRACE) <= 0,
				"relay.dispatch.unknown-handler-grace must be between 0s and " + MAX_UNKNOWN_HANDLER_GRACE.toDays()
						+ "d, but was " + unknownHandlerGrace);
		check(heartbeatInterval.toMillis() >= 100 && heartbeatInterval.compareTo(MAX_HEARTBEAT_INTERVAL) <= 0,
				"relay.dispatch.heartbeat-interval must be between 100ms and " + MAX_HEARTBEAT_INTERVAL.toMinutes()
						+ "m, but was " + heartbeatInterval);
		positive(instanceTimeout, "relay.dispatch.instance-timeout");
		handlers = Map.copyOf(handlers);
		handlers.forEach((name, settings) -> settings.validate("relay.dispatch.handlers." + name));
		defaults.validate("relay.dispatch.defaults");
		// Every handler resolves to the defaults or to its own settings: checking these checks them all, at startup
		// and naming the properties (rather than when the handler registry is built).
		resolve(null, defaults).checkBackoffs("relay.dispatch.defaults");
		for (Map.Entry<String, HandlerSettings> handler : handlers.entrySet()) {
			resolve(handler.getValue(), defaults).checkBackoffs("relay.dispatch.handlers." + handler.getKey());
		}
	}

	/**
	 * How long an instance counts as running after its last heartbeat: the grace, so that an instance restarting
	 * (a rolling upgrade) keeps its handlers' deliveries, and never less than three heartbeats, so that a late
	 * heartbeat does not make it look gone.
	 */
	Duration presence() {
		Duration beats = this.heartbeatInterval.multipliedBy(3);
		return (beats.compareTo(this.unknownHandlerGrace) > 0) ? beats : this.unknownHandlerGrace;
	}

	/**
	 * How long after another instance's last heartbeat its running deliveries are taken over: the timeout, and never
	 * less than four heartbeats, so that one failed heartbeat does not make an instance stop its work (it stops a
	 * heartbeat before the others judge it: {@link InstancePresence#mayLookGone()}).
	 */
	Duration silence() {
		Duration beats = this.heartbeatInterval.multipliedBy(4);
		return (beats.compareTo(this.instanceTimeout) > 0) ? beats : this.instanceTimeout;
	}

	/**
	 * How long an instance whose heartbeats fail goes on before it stops claiming and starting work: the
	 * {@link #silence()} less one heartbeat, so that it stops before the others take its deliveries over.
	 */
	Duration fenceAfter() {
		return silence().minus(this.heartbeatInterval);
	}

	/**
	 * The settings of one handler: its own where set, the defaults elsewhere. Its own may be under its name without
	 * its dashes, as environment variables give it (no dash fits in a variable's name:
	 * {@code RELAY_DISPATCH_HANDLERS_CSATDASHBOARD_MAXATTEMPTS} is {@code csat-dashboard}'s). Spring Boot's relaxed
	 * binding takes the two spellings for one name, so with both set each entry has them all (a variable's over a
	 * file's), and either is the handler's.
	 */
	ResolvedSettings settingsFor(String handler) {
		HandlerSettings own = this.handlers.get(handler);
		return resolve((own != null) ? own : this.handlers.get(asInEnvironment(handler)), this.defaults);
	}

	/**
	 * A handler's name as environment variables can give it: no dash fits in a variable's name, so
	 * {@code RELAY_DISPATCH_HANDLERS_CSATDASHBOARD_MAXATTEMPTS} binds settings for {@code csatdashboard}, which are
	 * {@code csat-dashboard}'s.
	 */
	static String asInEnvironment(String handler) {
		return handler.replace("-", "");
	}

	private static ResolvedSettings resolve(@Nullable HandlerSettings own, HandlerSettings fallback) {
		return new ResolvedSettings(pick(own, fallback, HandlerSettings::enabled, true),
				pick(own, fallback, HandlerSettings::maxAttempts, 10),
				pick(own, fallback, HandlerSettings::initialBackoff, DEFAULT_INITIAL_BACKOFF),
				pick(own, fallback, HandlerSettings::maxBackoff, DEFAULT_MAX_BACKOFF),
				pick(own, fallback, HandlerSettings::ordered, true));
	}

	private static <T> T pick(@Nullable HandlerSettings own, HandlerSettings fallback,
			java.util.function.Function<HandlerSettings, @Nullable T> getter, T builtIn) {
		T value = (own != null) ? getter.apply(own) : null;
		if (value == null) {
			value = getter.apply(fallback);
		}
		return (value != null) ? value : builtIn;
	}

	private static void positive(Duration duration, String property) {
		check(!duration.isNegative() && !duration.isZero(), property + " must be positive, but was " + duration);
	}

	private static void check(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

	/**
	 * Retry settings; any left unset falls back to {@code relay.dispatch.defaults}, then to the built-in default.
	 *
	 * @param enabled whether the handler gets deliveries at all (default true)
	 * @param maxAttempts attempts before a delivery is dead (default 10)
	 * @param initialBackoff the backoff after the first failure (default 1s); it doubles with each attempt
	 * @param maxBackoff the longest backoff (default 1h); each wait is drawn at random below the backoff ("full
	 * jitter") so that a failing downstream is not hit by every retry at once
	 * @param ordered whether deliveries of one conversation run one at a time in the order received (default true)
	 */
	record HandlerSettings(@Nullable Boolean enabled, @Nullable Integer maxAttempts, @Nullable Duration initialBackoff,
			@Nullable Duration maxBackoff, @Nullable Boolean ordered) {

		void validate(String prefix) {
			check(this.maxAttempts == null || (this.maxAttempts >= 1 && this.maxAttempts <= 1000),
					prefix + ".max-attempts must be between 1 and 1000, but was " + this.maxAttempts);
			if (this.initialBackoff != null) {
				positive(this.initialBackoff, prefix + ".initial-backoff");
			}
			if (this.maxBackoff != null) {
				positive(this.maxBackoff, prefix + ".max-backoff");
			}
		}

	}

	record ResolvedSettings(boolean enabled, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
			boolean ordered) {

		private void checkBackoffs(String prefix) {
			check(this.initialBackoff.compareTo(this.maxBackoff) <= 0, prefix + ".initial-backoff ("
					+ this.initialBackoff + ") must not exceed " + prefix + ".max-backoff (" + this.maxBackoff
					+ "); each falls back to relay.dispatch.defaults, then to " + DEFAULT_INITIAL_BACKOFF + " and "
					+ DEFAULT_MAX_BACKOFF);
		}

	}

}
