/**
 * Who may reach Relay over the network: an optional allow-list of source addresses for the webhook, with
 * {@code X-Forwarded-For} honoured only when it comes from a trusted proxy.
 */
@NullMarked
package io.relay.network;

import org.jspecify.annotations.NullMarked;
