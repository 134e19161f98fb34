package io.relay.dispatch.internal;

import java.util.TreeSet;

/**
 * When the retries this instance scheduled are due (epoch millis), those not reached yet, so that the claimer wakes
 * for each instead of waiting for the next poll. Every one, not only the earliest: with the earliest alone, a later
 * retry scheduled while an earlier one was due and not yet claimed was forgotten once that one was claimed, and
 * waited for the poll. Bounded: past {@code capacity} the latest are dropped (the poll finds them).
 */
final class RetryTimes {

	private final TreeSet<Long> due = new TreeSet<>();

	private final int capacity;

	RetryTimes(int capacity) {
		this.capacity = capacity;
	}

	/**
	 * Notes a retry due at {@code dueAt}.
	 * @return whether it is due before every retry noted so far (the claimer then has to wait less)
	 */
	synchronized boolean add(long dueAt) {
		Long earliest = this.due.isEmpty() ? null : this.due.first();
		this.due.add(dueAt);
		if (this.due.size() > this.capacity) {
			this.due.pollLast();
		}
		return earliest == null || dueAt < earliest;
	}

	/** Forgets the retries due at {@code now} or before: the claim that follows takes them. */
	synchronized void reached(long now) {
		this.due.headSet(now, true).clear();
	}

	/** When the earliest retry noted is due, {@link Long#MAX_VALUE} when there is none. */
	synchronized long earliest() {
		return this.due.isEmpty() ? Long.MAX_VALUE : this.due.first();
	}

}
