/**
 * Reads what webhook events only point to (visitors, transcripts, operators, transactions, satisfaction) from the
 * iAdvize REST and GraphQL APIs, for workflow handlers: see {@link io.relay.iadvize.IAdvizeEnrichment}.
 */
@NullMarked
package io.relay.iadvize;

import org.jspecify.annotations.NullMarked;
