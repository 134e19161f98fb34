package io.relay.iadvize;

import org.jspecify.annotations.Nullable;

/**
 * A visitor as iAdvize knows them. Every detail is optional: iAdvize only has what the visitor or an operator gave.
 *
 * @param source the API that answered
 * @param id the id that API knows the visitor by: the integer REST id, or the GraphQL UUID
 * @param externalId the merchant's own id for the visitor, when the site authenticates its visitors
 * @param zipCode the postal code ({@code zip} in REST)
 */
public record Visitor(Api source, String id, @Nullable String externalId, @Nullable String firstName,
		@Nullable String lastName, @Nullable String email, @Nullable String phone, @Nullable String address,
		@Nullable String city, @Nullable String zipCode, @Nullable String country) {

	/** Whether iAdvize knows an email address for this visitor. */
	public boolean hasEmail() {
		return this.email != null && !this.email.isBlank();
	}

	// Visitors' details are personal data: a log line that prints a Visitor must not copy them.
	@Override
	public String toString() {
		return "Visitor[source=" + this.source + ", id=" + this.id + ", email=" + (hasEmail() ? "<present>" : "<none>")
				+ "]";
	}

}
