/**
 * The {@code ticket} workflow: when a conversation closes (on the configured channels and projects, and optionally
 * only when its transcript holds a keyword or the visitor gave a low satisfaction score), create a ticket in the
 * configured ticketing system with the visitor, the transcript, the operator and a link back to the conversation,
 * and keep the ticket's id. Off by default; configured under {@code relay.workflows.ticket}.
 */
@NullMarked
package io.relay.workflow.ticket;

import org.jspecify.annotations.NullMarked;
