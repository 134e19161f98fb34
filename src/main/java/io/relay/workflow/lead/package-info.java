/**
 * The {@code lead} workflow: when a visitor with an email address or a phone number is updated or ends a
 * conversation, send them to the configured CRM as a contact, at most once per window per visitor, with updates
 * after that. Off by default; configured under {@code relay.workflows.lead}.
 */
@NullMarked
package io.relay.workflow.lead;

import org.jspecify.annotations.NullMarked;
