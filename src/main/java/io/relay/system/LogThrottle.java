package io.relay.system;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;

/**
 * Whether to log a warning about something now: at most once per {@code interval} for each key, so that the
 * on-call engineer sees it without a repeated cause filling the log. Keys that come from outside (a source address,
 * which a client can vary, for instance through {@code X-Forwarded-For} behind a proxy that passes it on) also get
 * a budget: at most so many distinct keys per {@code interval}, then one {@link Decision#BUDGET_SPENT} for the
 * caller's summary line, then nothing until the interval is over.
 */
public final class LogThrottle {

	/** Past this many distinct keys, the memory starts again (keys from outside, such as a scan's addresses). */
	public static final int MAX_REMEMBERED = 1024;

	/** What to log for a key now. */
	public enum Decision {

		/** Log it: the first time for this key in the interval. */
		LOG,

		/** Too many distinct keys in this interval: log once that further ones are not logged (until {@link #quietUntil()}). */
		BUDGET_SPENT,

		/** Log nothing. */
		QUIET

	}

	private final Map<String, Instant> lastWarned = new ConcurrentHashMap<>();

	private final Duration interval;

	private final int keysPerInterval;

	private final Clock clock;

	private Instant budgetStart;

	private int budgetUsed;

	/** The end of the budget last spent, recorded as its {@link Decision#BUDGET_SPENT} is given. */
	private @Nullable Instant spentUntil;

	/** A throttle for keys Relay chooses (handler names): no budget across keys. */
	public LogThrottle(Duration interval, Clock clock) {
		this(interval, Integer.MAX_VALUE, clock);
	}

	/** A throttle for keys from outside: at most {@code keysPerInterval} distinct keys logged per interval. */
	public LogThrottle(Duration interval, int keysPerInterval, Clock clock) {
		if (keysPerInterval < 1) {
			throw new IllegalArgumentException("keysPerInterval must be at least 1, was " + keysPerInterval);
		}
		this.interval = interval;
		this.keysPerInterval = keysPerInterval;
		this.clock = clock;
	}

	/** Whether to log for {@code key} now: the first time, or {@code interval} after the last time, within the budget. */
	public boolean allow(String key) {
		return decide(key) == Decision.LOG;
	}

	/** What to log for {@code key} now. */
	public Decision decide(String key) {
		Instant now = this.clock.instant();
		if (quietFor(key, now)) {
			// The usual case of a repeated cause, without the lock.
			return Decision.QUIET;
		}
		synchronized (this) {
			if (quietFor(key, now)) {
				return Decision.QUIET;
			}
			if (this.budgetStart == null || !now.isBefore(this.budgetStart.plus(this.interval))) {
				this.budgetStart = now;
				this.budgetUsed = 0;
			}
			if (this.budgetUsed < this.keysPerInterval) {
				this.budgetUsed++;
				if (this.lastWarned.size() >= MAX_REMEMBERED) {
					this.lastWarned.clear();
				}
				this.lastWarned.put(key, now);
				return Decision.LOG;
			}
			// Told once per budget: this budget's end is recorded when it is (not one count more, which would
			// overflow with the unbounded budget).
			Instant budgetEnd = this.budgetStart.plus(this.interval);
			if (!budgetEnd.equals(this.spentUntil)) {
				this.spentUntil = budgetEnd;
				return Decision.BUDGET_SPENT;
			}
			return Decision.QUIET;
		}
	}

	/**
	 * When the budget last spent ends (keys not logged until then may be logged again): for the summary line of a
	 * {@link Decision#BUDGET_SPENT}, even if a new budget has started since (another thread's key a moment later).
	 * Before any budget was spent, now.
	 */
	public synchronized Instant quietUntil() {
		return (this.spentUntil != null) ? this.spentUntil : this.clock.instant();
	}

	public Duration interval() {
		return this.interval;
	}

	private boolean quietFor(String key, Instant now) {
		Instant last = this.lastWarned.get(key);
		return last != null && now.isBefore(last.plus(this.interval));
	}

}
