/**
 * Cross-cutting configuration: security, time, the embedded H2 database's housekeeping.
 */
@NullMarked
package io.relay.system;

import org.jspecify.annotations.NullMarked;
