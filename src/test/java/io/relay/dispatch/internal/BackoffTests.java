package io.relay.dispatch.internal;

import java.time.Duration;
import java.util.random.RandomGenerator;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTests {

	private static final Duration SECOND = Duration.ofSeconds(1);

	private static final Duration HOUR = Duration.ofHours(1);

	@Test
	void ceilingDoublesFromTheInitialBackoffUpToTheMaximum() {
		assertThat(Backoff.ceilingMillis(1, SECOND, HOUR)).isEqualTo(1_000);
		assertThat(Backoff.ceilingMillis(2, SECOND, HOUR)).isEqualTo(2_000);
		assertThat(Backoff.ceilingMillis(3, SECOND, HOUR)).isEqualTo(4_000);
		assertThat(Backoff.ceilingMillis(12, SECOND, HOUR)).isEqualTo(2_048_000);
		assertThat(Backoff.ceilingMillis(13, SECOND, HOUR)).isEqualTo(3_600_000);
		assertThat(Backoff.ceilingMillis(1_000, SECOND, HOUR)).isEqualTo(3_600_000);
	}

	@Test
	void fullJitterDrawsAnywhereBetweenZeroAndTheCeiling() {
		assertThat(Backoff.delay(3, SECOND, HOUR, fixed(0))).isZero();
		assertThat(Backoff.delay(3, SECOND, HOUR, fixed(4_000))).isEqualTo(Duration.ofSeconds(4));
	}

	@Property
	void delayIsNeverNegativeNorAboveTheMaximum(@ForAll @IntRange(min = 0, max = 10_000) int attempts,
			@ForAll @LongRange(min = 1, max = 86_400_000) long initialMillis,
			@ForAll @LongRange(min = 1, max = 86_400_000) long maxMillis) {
		Duration max = Duration.ofMillis(Math.max(initialMillis, maxMillis));
		Duration delay = Backoff.delay(attempts, Duration.ofMillis(initialMillis), max, RandomGenerator.getDefault());
		assertThat(delay).isBetween(Duration.ZERO, max);
	}

	private static RandomGenerator fixed(long value) {
		return new RandomGenerator() {
			@Override
			public long nextLong() {
				return value;
			}

			@Override
			public long nextLong(long bound) {
				assertThat(value).isLessThan(bound);
				return value;
			}
		};
	}

}
