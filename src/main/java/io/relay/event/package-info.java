/**
 * The iAdvize events Relay understands: one immutable record per documented event type, a generic
 * {@link io.relay.event.UnknownEvent} for anything else, and the {@link io.relay.event.EventParser} that turns
 * verified bytes into them.
 */
@NullMarked
package io.relay.event;

import org.jspecify.annotations.NullMarked;
