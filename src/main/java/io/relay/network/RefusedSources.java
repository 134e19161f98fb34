package io.relay.network;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.relay.system.LogThrottle;

/**
 * Which refused sources to log at WARN: each once per {@link #QUIET}, so that an on-call engineer sees a new
 * iAdvize address in the log (its deliveries are lost after two retries) without a scanner filling the log; and at
 * most {@link #SOURCES_PER_QUIET} sources per {@link #QUIET}, so that a scan from many addresses does not either.
 */
final class RefusedSources {

	static final Duration QUIET = Duration.ofMinutes(10);

	/** Sources logged one by one per {@link #QUIET}; then one line says the others are only counted. */
	static final int SOURCES_PER_QUIET = 20;

	private final LogThrottle warnings;

	RefusedSources(Clock clock) {
		this.warnings = new LogThrottle(QUIET, SOURCES_PER_QUIET, clock);
	}

	/** What to log of this refusal: a WARN for the first from {@code source} in {@link #QUIET}, within the budget. */
	LogThrottle.Decision warnFor(String source) {
		return this.warnings.decide(source);
	}

	/** Until when sources past the budget are only counted. */
	Instant quietUntil() {
		return this.warnings.quietUntil();
	}

}
