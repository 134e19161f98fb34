/**
 * Durable, asynchronous dispatch of stored events to workflow handlers: the handler SPI ({@link
 * io.relay.dispatch.EventHandler}), one delivery per event and handler written with the event, retries with
 * backoff, dead letters and replay.
 */
@NullMarked
package io.relay.dispatch;

import org.jspecify.annotations.NullMarked;
