package io.relay.event;

/**
 * An event about an iAdvize user (an operator or an administrator).
 */
public sealed interface UserEvent extends IAdvizeEvent
		permits UserCreated, UserUpdated, UserConnected, UserDisconnected, UserAvailabilityUpdated {

	long userId();

}
