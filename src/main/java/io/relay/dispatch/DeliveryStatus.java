package io.relay.dispatch;

/**
 * Where a delivery is in its life.
 */
public enum DeliveryStatus {

	/** Waiting for its first attempt (or a replay). */
	PENDING,

	/** Claimed by an instance, which holds a lease on it. */
	RUNNING,

	/** Done. */
	SUCCEEDED,

	/** The handler had nothing to do; the reason is kept. */
	SKIPPED,

	/** Failed; will be tried again at its next attempt time. */
	FAILED,

	/** Failed for good, or out of attempts: waits for a replay. */
	DEAD;

	/** Whether the delivery still has work ahead of it (and so keeps its event from being purged). */
	public boolean isUnfinished() {
		return this == PENDING || this == RUNNING || this == FAILED;
	}

}
