package io.relay.event;

import org.jspecify.annotations.Nullable;

/**
 * An event about an iAdvize user (an operator or an administrator).
 */
public sealed interface UserEvent extends IAdvizeEvent
		permits UserCreated, UserUpdated, UserConnected, UserDisconnected, UserAvailabilityUpdated {

	/** The user; {@code null} only for {@code user.availability.updated}, whose payload iAdvize does not document. */
	@Nullable Long userId();

}
