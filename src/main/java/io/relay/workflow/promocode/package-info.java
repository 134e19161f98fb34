/**
 * The {@code promo-code} workflow: when a conversation closes, emails the visitor a code from a campaign's pool, at
 * most one per visitor and campaign; pools are filled through the admin API (CSV import, or generated from a pattern).
 */
@NullMarked
package io.relay.workflow.promocode;

import org.jspecify.annotations.NullMarked;
