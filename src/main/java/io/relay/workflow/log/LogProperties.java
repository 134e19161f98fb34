package io.relay.workflow.log;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the built-in {@code log} workflow. Bound (so checked) whether the workflow is on or off: a value that is
 * not a boolean stops startup, where the handler's condition alone would read it as "off".
 *
 * @param enabled whether the built-in log workflow writes a one-line summary of every event (its lines are logged by
 * io.relay.workflow.log at INFO)
 */
@ConfigurationProperties("relay.workflows.log")
record LogProperties(@DefaultValue("true") boolean enabled) {
}
