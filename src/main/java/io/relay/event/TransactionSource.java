package io.relay.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import org.jspecify.annotations.Nullable;

/**
 * Where the conversation behind a transaction took place: iAdvize sends {@code Onsite} or {@code Offsite}.
 */
public enum TransactionSource {

	ONSITE, OFFSITE,

	/** Absent, or a value Relay does not know. */
	UNKNOWN;

	@JsonCreator
	public static TransactionSource fromValue(@Nullable String value) {
		return WireNames.lookup(TransactionSource.class, value, UNKNOWN);
	}

	static TransactionSource orUnknown(@Nullable TransactionSource source) {
		return (source != null) ? source : UNKNOWN;
	}

}
