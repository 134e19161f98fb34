package io.relay.iadvize.internal;

import java.util.ArrayList;
import java.util.List;

import io.relay.iadvize.IAdvizeCredentials;

/**
 * {@link IAdvizeCredentials} from {@code relay.iadvize.*}.
 */
final class PropertiesCredentials implements IAdvizeCredentials {

	private final IAdvizeProperties properties;

	PropertiesCredentials(IAdvizeProperties properties) {
		this.properties = properties;
	}

	@Override
	public boolean hasRestApi() {
		return this.properties.rest().configured();
	}

	@Override
	public boolean hasGraphQlApi() {
		return this.properties.graphql().configured();
	}

	@Override
	public void requireRestApi(String workflow) {
		if (!hasRestApi()) {
			throw missing(workflow, "REST", List.of("relay.iadvize.rest.api-key"));
		}
	}

	@Override
	public void requireGraphQlApi(String workflow) {
		List<String> missing = new ArrayList<>();
		if (this.properties.graphql().username() == null) {
			missing.add("relay.iadvize.graphql.username");
		}
		if (this.properties.graphql().password() == null) {
			missing.add("relay.iadvize.graphql.password");
		}
		if (!missing.isEmpty()) {
			throw missing(workflow, "GraphQL", missing);
		}
	}

	private static IllegalStateException missing(String workflow, String api, List<String> properties) {
		String environment = String.join(", ",
				properties.stream().map((name) -> name.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_')).toList());
		return new IllegalStateException("Workflow '" + workflow + "' is enabled and needs the iAdvize " + api
				+ " API, but " + String.join(" and ", properties) + ((properties.size() > 1) ? " are" : " is")
				+ " not set (environment: " + environment + "). Set " + ((properties.size() > 1) ? "them" : "it")
				+ ", or disable the workflow.");
	}

}
