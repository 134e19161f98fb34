package io.relay.system;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** {@link EmbeddedH2Properties} refuses values that would stop the housekeeping or make no sense. */
class EmbeddedH2PropertiesTests {

	@Test
	void rejectsALimitOutsideItsRange() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EmbeddedH2Properties(Duration.ofSeconds(1), DataSize.ofBytes(100),
					100, Duration.ofSeconds(1)))
			.withMessageContaining("relay.h2.compact-limit");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EmbeddedH2Properties(Duration.ofSeconds(1), DataSize.ofMegabytes(65),
					100, Duration.ofSeconds(1)))
			.withMessageContaining("relay.h2.compact-limit");
	}

	@Test
	void rejectsAMaximumCommitRateBelowOne() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EmbeddedH2Properties(Duration.ofSeconds(1), DataSize.ofMegabytes(1),
					0, Duration.ofSeconds(1)))
			.withMessageContaining("relay.h2.compact-max-commit-rate");
	}

	@Test
	void rejectsANegativeCompactInterval() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EmbeddedH2Properties(Duration.ofSeconds(-1), DataSize.ofMegabytes(1),
					100, Duration.ofSeconds(1)))
			.withMessageContaining("relay.h2.compact-interval");
	}

	@Test
	void rejectsANegativeFlushInterval() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new EmbeddedH2Properties(Duration.ofSeconds(1), DataSize.ofMegabytes(1), 100,
					Duration.ofSeconds(-1)))
			.withMessageContaining("relay.h2.flush-interval");
	}

}
