package io.relay.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import org.jspecify.annotations.Nullable;

/**
 * The channel of a conversation. Deprecated events spell it in lowercase; both spellings map here.
 */
public enum Channel {

	CHAT, CALL, VIDEO, FACEBOOK, FACEBOOK_BUSINESS_ON_MESSENGER, TWITTER, MOBILE_APP, SMS,

	/** Absent, or a channel added by iAdvize after this version of Relay. */
	UNKNOWN;

	@JsonCreator
	public static Channel fromValue(@Nullable String value) {
		return WireNames.lookup(Channel.class, value, UNKNOWN);
	}

	static Channel orUnknown(@Nullable Channel channel) {
		return (channel != null) ? channel : UNKNOWN;
	}

}
