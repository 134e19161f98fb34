package io.relay.system;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether to log a warning about something now: at most once per {@code interval} for each key, so that the
 * on-call engineer sees it without a repeated cause filling the log.
 */
public final class LogThrottle {

	/** Past this many distinct keys, the memory starts again (keys from outside, such as a scan's addresses). */
	public static final int MAX_REMEMBERED = 1024;

	private final Map<String, Instant> lastWarned = new ConcurrentHashMap<>();

	private final Duration interval;

	private final Clock clock;

	public LogThrottle(Duration interval, Clock clock) {
		this.interval = interval;
		this.clock = clock;
	}

	/** Whether to log for {@code key} now: the first time, or {@code interval} after the last time. */
	public boolean allow(String key) {
		Instant now = this.clock.instant();
		if (this.lastWarned.size() >= MAX_REMEMBERED) {
			this.lastWarned.clear();
		}
		AtomicBoolean allow = new AtomicBoolean();
		this.lastWarned.compute(key, (ignored, last) -> {
			if (last == null || !now.isBefore(last.plus(this.interval))) {
				allow.set(true);
				return now;
			}
			return last;
		});
		return allow.get();
	}

	public Duration interval() {
		return this.interval;
	}

}
