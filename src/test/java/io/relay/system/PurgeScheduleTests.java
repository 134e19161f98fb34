package io.relay.system;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.scheduling.config.FixedRateTask;

import static org.assertj.core.api.Assertions.assertThat;

class PurgeScheduleTests {

	@Test
	void theFirstRunComesAMinuteAfterStartWhateverTheInterval() {
		AtomicInteger runs = new AtomicInteger();
		FixedRateTask task = PurgeSchedule.everyInterval(runs::incrementAndGet, Duration.ofHours(6));
		assertThat(task.getIntervalDuration()).isEqualTo(Duration.ofHours(6));
		assertThat(task.getInitialDelayDuration()).isEqualTo(Duration.ofMinutes(1));
		task.getRunnable().run();
		assertThat(runs).hasValue(1);
	}

	@Test
	void anIntervalShorterThanAMinuteIsTheFirstDelayToo() {
		FixedRateTask task = PurgeSchedule.everyInterval(() -> {
		}, Duration.ofSeconds(10));
		assertThat(task.getIntervalDuration()).isEqualTo(Duration.ofSeconds(10));
		assertThat(task.getInitialDelayDuration()).isEqualTo(Duration.ofSeconds(10));
	}

}
