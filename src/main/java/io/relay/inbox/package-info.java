/**
 * The inbox: stores every accepted webhook event once and durably, before Relay acknowledges it.
 */
@NullMarked
package io.relay.inbox;

import org.jspecify.annotations.NullMarked;
