/**
 * Cross-cutting configuration: security, time.
 */
@NullMarked
package io.relay.system;

import org.jspecify.annotations.NullMarked;
