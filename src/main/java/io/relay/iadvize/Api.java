package io.relay.iadvize;

/**
 * The iAdvize API that answered, or failed to.
 */
public enum Api {

	/** The REST API v2 ({@code https://{sd|ha}.iadvize.com/api/2}), authenticated by an API key. */
	REST,

	/** The GraphQL API ({@code https://api.iadvize.com/graphql}), authenticated by an OAuth token. */
	GRAPHQL

}
