package io.relay.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import org.jspecify.annotations.Nullable;

/**
 * The iAdvize platform an account lives on; it decides which REST API host serves its data.
 */
public enum Platform {

	/** The standard platform. */
	SD,

	/** The high-availability platform. */
	HA,

	/** Absent, or a value Relay does not know. */
	UNKNOWN;

	@JsonCreator
	public static Platform fromValue(@Nullable String value) {
		return WireNames.lookup(Platform.class, value, UNKNOWN);
	}

	static Platform orUnknown(@Nullable Platform platform) {
		return (platform != null) ? platform : UNKNOWN;
	}

}
