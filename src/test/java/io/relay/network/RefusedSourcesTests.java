package io.relay.network;

import java.time.Duration;
import java.time.Instant;

import io.relay.support.MutableClock;
import io.relay.system.LogThrottle.Decision;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which refusals reach the log at WARN: each source once per quiet period, a bounded number of sources per period.
 */
class RefusedSourcesTests {

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));

	private final RefusedSources refused = new RefusedSources(this.clock);

	@Test
	void eachSourceIsWarnedAboutOncePerQuietPeriod() {
		assertThat(this.refused.warnFor("198.51.100.4")).isEqualTo(Decision.LOG);
		assertThat(this.refused.warnFor("198.51.100.4")).isEqualTo(Decision.QUIET);
		assertThat(this.refused.warnFor("203.0.113.9")).as("another source").isEqualTo(Decision.LOG);

		this.clock.advance(RefusedSources.QUIET.minus(Duration.ofSeconds(1)));
		assertThat(this.refused.warnFor("198.51.100.4")).isEqualTo(Decision.QUIET);
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.refused.warnFor("198.51.100.4")).isEqualTo(Decision.LOG);
	}

	@Test
	void aScanFromManyAddressesIsLoggedForTheFirstSourcesThenSummedUpOnce() {
		for (int i = 0; i < RefusedSources.SOURCES_PER_QUIET; i++) {
			assertThat(this.refused.warnFor("10.0.0." + i)).isEqualTo(Decision.LOG);
		}
		assertThat(this.refused.warnFor("10.0.1.0")).isEqualTo(Decision.BUDGET_SPENT);
		for (int i = 1; i < 256; i++) {
			assertThat(this.refused.warnFor("10.0.1." + i)).isEqualTo(Decision.QUIET);
		}
		assertThat(this.refused.quietUntil()).isEqualTo(this.clock.instant().plus(RefusedSources.QUIET));
		this.clock.advance(RefusedSources.QUIET);
		assertThat(this.refused.warnFor("10.0.1.1")).as("the next period").isEqualTo(Decision.LOG);
	}

}
