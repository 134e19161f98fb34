/**
 * The {@code conversation-email} workflow: when a conversation closes, emails the visitor a recap with its transcript.
 */
@NullMarked
package io.relay.workflow.conversationemail;

import org.jspecify.annotations.NullMarked;
