package io.relay.dispatch.internal;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param retention how long events are kept; older ones are purged (with their deliveries and attempts) once none
 * of their deliveries has work left
 */
@ConfigurationProperties("relay")
record RetentionProperties(@DefaultValue("30d") Duration retention) {

	RetentionProperties {
		if (retention.compareTo(Duration.ofHours(1)) < 0) {
			throw new IllegalArgumentException("relay.retention must be at least 1h, but was " + retention);
		}
	}

}
