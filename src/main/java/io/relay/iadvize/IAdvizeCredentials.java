package io.relay.iadvize;

/**
 * Lets a workflow that needs an iAdvize API refuse to start without its credentials, instead of failing on every
 * event later. Call it where the workflow is set up (a bean constructor or {@code @Bean} method, only when the
 * workflow is enabled):
 *
 * <pre class="code">
 * credentials.requireRestApi("email-on-close");
 * </pre>
 *
 * The exception names the missing properties, so that startup fails with a message that says what to set.
 */
public interface IAdvizeCredentials {

	/** Whether {@code relay.iadvize.rest.api-key} is set. */
	boolean hasRestApi();

	/** Whether {@code relay.iadvize.graphql.username} and {@code relay.iadvize.graphql.password} are set. */
	boolean hasGraphQlApi();

	/**
	 * @param workflow the workflow's name, for the message
	 * @throws IllegalStateException naming {@code relay.iadvize.rest.api-key} when it is not set
	 */
	void requireRestApi(String workflow);

	/**
	 * @param workflow the workflow's name, for the message
	 * @throws IllegalStateException naming whichever of {@code relay.iadvize.graphql.username} and
	 * {@code relay.iadvize.graphql.password} is not set
	 */
	void requireGraphQlApi(String workflow);

}
