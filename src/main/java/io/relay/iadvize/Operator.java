package io.relay.iadvize;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * An operator (agent) from the REST {@code operator} resource.
 *
 * @param pseudo the name shown to visitors
 * @param externalId the merchant's own id for the operator, if provided
 * @param roles {@code expert}, {@code operator}, {@code manager} or {@code admin}
 */
public record Operator(long id, @Nullable String name, @Nullable String firstName, @Nullable String pseudo,
		@Nullable String email, @Nullable String externalId, List<String> roles) {

	public Operator {
		roles = List.copyOf(roles);
	}

	/** Whether iAdvize knows an email address for this operator. */
	public boolean hasEmail() {
		return this.email != null && !this.email.isBlank();
	}

	// An operator's names and email are personal data: a log line that prints an Operator must not copy them.
	@Override
	public String toString() {
		return "Operator[id=" + this.id + ", email=" + (hasEmail() ? "<present>" : "<none>") + ", roles=" + this.roles
				+ "]";
	}

}
