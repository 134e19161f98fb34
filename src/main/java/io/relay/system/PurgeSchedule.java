package io.relay.system;

import java.time.Duration;

import org.springframework.scheduling.config.FixedRateTask;

/**
 * When a periodic purge runs: every {@code relay.dispatch.purge-interval}, the first time a minute after start (or
 * one interval, if shorter). The first run is not one whole interval after start, as {@code @Scheduled}'s initial
 * delay would have it: an instance restarted more often than that (deployments, a host that keeps moving it) would
 * never purge, and its database would only grow.
 */
public final class PurgeSchedule {

	/** How soon after start the first run comes, at the latest. */
	public static final Duration FIRST_RUN = Duration.ofMinutes(1);

	private PurgeSchedule() {
	}

	/** A task for {@code ScheduledTaskRegistrar.addFixedRateTask}: at a fixed rate, each run a thread of its own. */
	public static FixedRateTask everyInterval(Runnable purge, Duration interval) {
		return new FixedRateTask(purge, interval, firstRun(interval));
	}

	static Duration firstRun(Duration interval) {
		return (interval.compareTo(FIRST_RUN) < 0) ? interval : FIRST_RUN;
	}

}
