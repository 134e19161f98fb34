package io.relay.iadvize.internal;

/**
 * The GraphQL API refused an access token ({@code invalid_token}): the caller fetches a new one and tries once more.
 * Never leaves this package.
 */
final class TokenRejected extends RuntimeException {

	TokenRejected() {
		super("iAdvize GraphQL refused the access token (invalid_token)", null, false, false);
	}

}
