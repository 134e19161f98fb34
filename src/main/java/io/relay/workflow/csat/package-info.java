/**
 * The {@code csat-dashboard} workflow: live CSAT, NPS and comment figures from {@code satisfaction.answered}, per
 * day, channel, operator and project, on a page at {@code /dashboard}.
 */
@NullMarked
package io.relay.workflow.csat;

import org.jspecify.annotations.NullMarked;
