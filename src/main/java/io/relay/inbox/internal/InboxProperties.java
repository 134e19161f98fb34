package io.relay.inbox.internal;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * How the inbox writes: concurrent deliveries are collected into batches and committed together (group commit),
 * and no delivery is answered before its batch has committed.
 *
 * @param batchSize the most deliveries committed in one transaction
 * @param writers how many batches may be committed at the same time; unset: 1 on H2, 2 on PostgreSQL
 * @param queueCapacity the most deliveries waiting for a writer; past that a delivery is answered 503 at once
 * @param ackTimeout how long a delivery waits for its commit before it is answered 503 (iAdvize waits 30 s at most)
 */
@Validated
@ConfigurationProperties("relay.inbox")
public record InboxProperties(@DefaultValue("256") @Min(1) @Max(10_000) int batchSize,
		@Min(1) @Max(64) @Nullable Integer writers, @DefaultValue("10000") @Min(1) @Max(1_000_000) int queueCapacity,
		@DefaultValue("10s") @NotNull Duration ackTimeout) {

	public InboxProperties {
		if (ackTimeout != null && (ackTimeout.isNegative() || ackTimeout.isZero()
				|| ackTimeout.compareTo(Duration.ofSeconds(25)) > 0)) {
			throw new IllegalArgumentException("relay.inbox.ack-timeout must be between 1ms and 25s (iAdvize gives up"
					+ " after 30s), but was " + ackTimeout);
		}
	}

	/**
	 * The writers to start. H2 commits one transaction at a time anyway, so a second writer only adds lock waits
	 * between batches that hold the same event id (under load they ran into H2's lock timeout); PostgreSQL commits
	 * concurrent transactions together (its own group commit), so two writers keep it busy.
	 */
	int writersFor(boolean postgres) {
		return (this.writers != null) ? this.writers : (postgres ? 2 : 1);
	}

}
