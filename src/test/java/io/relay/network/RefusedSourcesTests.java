package io.relay.network;

import java.time.Duration;
import java.time.Instant;

import io.relay.support.MutableClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which refusals reach the log at WARN: each source once per quiet period.
 */
class RefusedSourcesTests {

	private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));

	private final RefusedSources refused = new RefusedSources(this.clock);

	@Test
	void eachSourceIsWarnedAboutOncePerQuietPeriod() {
		assertThat(this.refused.warnFor("198.51.100.4")).isTrue();
		assertThat(this.refused.warnFor("198.51.100.4")).isFalse();
		assertThat(this.refused.warnFor("203.0.113.9")).as("another source").isTrue();

		this.clock.advance(RefusedSources.QUIET.minus(Duration.ofSeconds(1)));
		assertThat(this.refused.warnFor("198.51.100.4")).isFalse();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.refused.warnFor("198.51.100.4")).isTrue();
	}

	@Test
	void aScanFromManyAddressesDoesNotGrowTheMemoryWithoutBound() {
		for (int i = 0; i < RefusedSources.MAX_REMEMBERED; i++) {
			assertThat(this.refused.warnFor("10.0." + (i / 256) + "." + (i % 256))).isTrue();
		}
		// Full: it starts again, so an address already warned about may be warned about again, early.
		assertThat(this.refused.warnFor("10.0.0.0")).isTrue();
		assertThat(this.refused.warnFor("10.0.0.0")).isFalse();
	}

}
