/**
 * HTTP intake of iAdvize webhooks: verifies the signature over the raw bytes, parses, hands the event to the inbox
 * and acknowledges only once it is durable.
 */
@NullMarked
package io.relay.webhook;

import org.jspecify.annotations.NullMarked;
