/**
 * The built-in {@code log} workflow: one line per event, so that a fresh install shows work being dispatched.
 */
@NullMarked
package io.relay.workflow.log;

import org.jspecify.annotations.NullMarked;
