/**
 * Outbound HTTP shared by the workflows that call a customer's system (a CRM, a ticketing tool): a JSON request
 * built from a template over the event and its enrichment, authentication, Standard Webhooks signatures and an
 * {@code Idempotency-Key}, timeouts and a concurrency limit per target, and the mapping of answers to
 * {@link io.relay.dispatch.HandlerResult}s. Knows nothing about any particular workflow.
 */
@NullMarked
package io.relay.workflow.outbound;

import org.jspecify.annotations.NullMarked;
