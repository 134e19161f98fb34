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

}
