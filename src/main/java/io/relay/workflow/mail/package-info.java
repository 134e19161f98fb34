/**
 * What the workflows that email visitors share: the closed conversation and its filters, the visitor's address and
 * the opt-out list, templates, and sending each email at most once per workflow and conversation.
 */
@NullMarked
package io.relay.workflow.mail;

import org.jspecify.annotations.NullMarked;
