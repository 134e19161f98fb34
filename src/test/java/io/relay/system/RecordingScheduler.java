package io.relay.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Records the tasks it is given and their delays or rates, and runs none of them: a test runs them when it wants.
 */
final class RecordingScheduler extends ThreadPoolTaskScheduler {

	final List<Duration> delays = new ArrayList<>();

	final List<Duration> rates = new ArrayList<>();

	final List<Runnable> tasks = new ArrayList<>();

	@Override
	public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Duration delay) {
		this.delays.add(delay);
		this.tasks.add(task);
		return null; // the housekeeping tasks keep no handle on their schedule
	}

	@Override
	public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, Duration period) {
		this.rates.add(period);
		this.tasks.add(task);
		return null;
	}

}
