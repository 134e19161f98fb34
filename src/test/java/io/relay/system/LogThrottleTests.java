package io.relay.system;

import java.time.Duration;
import java.time.Instant;

import io.relay.support.MutableClock;
import io.relay.system.LogThrottle.Decision;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Which warnings reach the log: each key once per interval, and keys from outside within a budget per interval.
 */
class LogThrottleTests {

	private static final Duration INTERVAL = Duration.ofMinutes(10);

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));

	@Test
	void eachKeyIsLoggedOncePerInterval() {
		LogThrottle throttle = new LogThrottle(INTERVAL, this.clock);
		assertThat(throttle.allow("a")).isTrue();
		assertThat(throttle.allow("a")).isFalse();
		assertThat(throttle.allow("b")).isTrue();
		this.clock.advance(INTERVAL.minusSeconds(1));
		assertThat(throttle.allow("a")).isFalse();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(throttle.allow("a")).isTrue();
	}

	@Test
	void pastTheBudgetOneSummaryThenNothingUntilTheIntervalIsOver() {
		LogThrottle throttle = new LogThrottle(INTERVAL, 3, this.clock);
		assertThat(throttle.decide("10.0.0.1")).isEqualTo(Decision.LOG);
		assertThat(throttle.decide("10.0.0.2")).isEqualTo(Decision.LOG);
		assertThat(throttle.decide("10.0.0.1")).as("a key already logged").isEqualTo(Decision.QUIET);
		this.clock.advance(Duration.ofMinutes(1));
		assertThat(throttle.decide("10.0.0.3")).isEqualTo(Decision.LOG);
		assertThat(throttle.decide("10.0.0.4")).isEqualTo(Decision.BUDGET_SPENT);
		assertThat(throttle.decide("10.0.0.5")).isEqualTo(Decision.QUIET);
		assertThat(throttle.decide("10.0.0.4")).isEqualTo(Decision.QUIET);
		assertThat(throttle.quietUntil()).isEqualTo(Instant.parse("2026-11-28T10:10:00Z"));

		this.clock.advance(Duration.ofMinutes(9));
		assertThat(throttle.decide("10.0.0.4")).as("a new budget").isEqualTo(Decision.LOG);
		assertThat(throttle.decide("10.0.0.3")).as("logged a minute later than the budget started")
			.isEqualTo(Decision.QUIET);
		assertThat(throttle.decide("10.0.0.1")).isEqualTo(Decision.LOG);
	}

	@Test
	void theSummaryNamesTheEndOfTheBudgetItWasGivenFor() {
		LogThrottle throttle = new LogThrottle(INTERVAL, 1, this.clock);
		assertThat(throttle.decide("10.0.0.1")).isEqualTo(Decision.LOG);
		assertThat(throttle.decide("10.0.0.2")).isEqualTo(Decision.BUDGET_SPENT);
		// Another key starts a new budget before the summary line reads its end.
		this.clock.advance(INTERVAL);
		assertThat(throttle.decide("10.0.0.3")).isEqualTo(Decision.LOG);
		assertThat(throttle.quietUntil()).isEqualTo(Instant.parse("2026-11-28T10:10:00Z"));
		// The new budget, spent, is told once and named.
		assertThat(throttle.decide("10.0.0.4")).isEqualTo(Decision.BUDGET_SPENT);
		assertThat(throttle.decide("10.0.0.5")).isEqualTo(Decision.QUIET);
		assertThat(throttle.quietUntil()).isEqualTo(Instant.parse("2026-11-28T10:20:00Z"));
	}

	@Test
	void withoutABudgetEveryNewKeyIsLogged() {
		LogThrottle throttle = new LogThrottle(INTERVAL, this.clock);
		for (int i = 0; i < 100; i++) {
			assertThat(throttle.decide("handler-" + i)).isEqualTo(Decision.LOG);
		}
	}

	@Test
	void theMemoryStartsAgainPastItsBound() {
		LogThrottle throttle = new LogThrottle(INTERVAL, this.clock);
		for (int i = 0; i < LogThrottle.MAX_REMEMBERED; i++) {
			assertThat(throttle.allow("key-" + i)).isTrue();
		}
		assertThat(throttle.allow("key-0")).isFalse();
		assertThat(throttle.allow("one-more")).isTrue();
		// Full: it started again, so a key already logged may be logged again, early.
		assertThat(throttle.allow("key-0")).isTrue();
	}

	@Test
	void aBudgetBelowOneIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new LogThrottle(INTERVAL, 0, this.clock))
			.withMessageContaining("keysPerInterval must be at least 1, was 0");
	}

}
