package io.relay.network;

import java.time.Clock;
import java.time.Duration;

import io.relay.system.LogThrottle;

/**
 * Which refused sources to log at WARN: each once per {@link #QUIET}, so that an on-call engineer sees a new
 * iAdvize address in the log (its deliveries are lost after two retries) without a scanner filling the log.
 */
final class RefusedSources {

	static final Duration QUIET = Duration.ofMinutes(10);

	/** Past this many distinct sources, the memory starts again (a scan from many addresses). */
	static final int MAX_REMEMBERED = LogThrottle.MAX_REMEMBERED;

	private final LogThrottle warnings;

	RefusedSources(Clock clock) {
		this.warnings = new LogThrottle(QUIET, clock);
	}

	/** Whether this refusal should be logged at WARN (the first from {@code source} in {@link #QUIET}). */
	boolean warnFor(String source) {
		return this.warnings.allow(source);
	}

}
