package io.relay.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/** Records the delays of the tasks it is given, and runs none of them. */
final class RecordingScheduler extends ThreadPoolTaskScheduler {

	final List<Duration> delays = new ArrayList<>();

	@Override
	public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, Duration delay) {
		this.delays.add(delay);
		return null; // the housekeeping tasks keep no handle on their schedule
	}

}
