/**
 * How the iAdvize clients work: HTTP, retries, OAuth tokens, envelope and GraphQL parsing, caching. Not API.
 */
@NullMarked
package io.relay.iadvize.internal;

import org.jspecify.annotations.NullMarked;
