package io.relay.system;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The embedded H2 database's housekeeping (see {@link EmbeddedH2Compaction}).
 *
 * @param compactInterval how often the H2 file's sparse chunks are rewritten so that their space can be reused;
 * {@code 0} turns it off (the file then grows with every commit)
 * @param compactLimit the most live data rewritten per run: more keeps up with a higher event rate, but holds the
 * commits back longer while it runs
 * @param compactMaxCommitRate compaction waits while H2 commits more often than this, per second: a run holds the
 * commits back, and under heavy load that lengthens the acknowledgement tail
 * @param flushInterval how often the H2 file is forced to the disk (see {@link EmbeddedH2Flush}); {@code 0} leaves
 * it to the operating system
 */
@ConfigurationProperties("relay.h2")
record EmbeddedH2Properties(@DefaultValue("1s") Duration compactInterval, @DefaultValue("1MB") DataSize compactLimit,
		@DefaultValue("100") int compactMaxCommitRate, @DefaultValue("1s") Duration flushInterval) {

	EmbeddedH2Properties {
		if (compactInterval.isNegative()) {
			throw new IllegalArgumentException(
					"relay.h2.compact-interval must not be negative, but was " + compactInterval);
		}
		if (compactLimit.toBytes() < 1024 || compactLimit.toBytes() > 64 * 1024 * 1024) {
			throw new IllegalArgumentException(
					"relay.h2.compact-limit must be between 1KB and 64MB, but was " + compactLimit);
		}
		if (flushInterval.isNegative()) {
			throw new IllegalArgumentException(
					"relay.h2.flush-interval must not be negative, but was " + flushInterval);
		}
		if (compactMaxCommitRate < 1) {
			throw new IllegalArgumentException(
					"relay.h2.compact-max-commit-rate must be at least 1, but was " + compactMaxCommitRate);
		}
	}

}
