package io.relay.workflow.outbound;

import java.time.Clock;

import io.micrometer.common.KeyValue;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpRedirects;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.observation.ClientHttpObservationDocumentation.HighCardinalityKeyNames;
import org.springframework.http.client.observation.ClientRequestObservationContext;
import org.springframework.http.client.observation.DefaultClientRequestObservationConvention;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;

/**
 * Makes the {@link OutboundClient} of a workflow. Each client starts from Boot's {@code RestClient.Builder} (its
 * observations, so requests show in {@code http.client.requests}) and the application's HTTP client, with the
 * workflow's own timeouts, and never follows redirects: a redirect would carry the credentials wherever it points.
 */
@Component
public class OutboundClients {

	private final ObjectProvider<RestClient.Builder> builders;

	private final ObjectProvider<ClientHttpRequestFactoryBuilder<?>> requestFactories;

	private final ObjectProvider<HttpClientSettings> httpSettings;

	private final Clock clock;

	OutboundClients(ObjectProvider<RestClient.Builder> builders,
			ObjectProvider<ClientHttpRequestFactoryBuilder<?>> requestFactories,
			ObjectProvider<HttpClientSettings> httpSettings, ObjectProvider<Clock> clocks) {
		this.builders = builders;
		this.requestFactories = requestFactories;
		this.httpSettings = httpSettings;
		this.clock = clocks.getIfAvailable(Clock::systemUTC);
	}

	/**
	 * @param workflow names the workflow in error messages
	 * @param properties validated settings
	 */
	public OutboundClient create(String workflow, OutboundProperties properties) {
		ClientHttpRequestFactory requestFactory = this.requestFactories
			.getIfAvailable(ClientHttpRequestFactoryBuilder::detect)
			.build(this.httpSettings.getIfAvailable(HttpClientSettings::defaults)
				.withTimeouts(properties.connectTimeout(), properties.readTimeout())
				.withRedirects(HttpRedirects.DONT_FOLLOW));
		RestClient client = this.builders.getIfAvailable(RestClient::builder)
			.clone()
			.requestFactory(requestFactory)
			.observationConvention(new QuerylessObservationConvention())
			.build();
		return new OutboundClient(workflow, properties, client, this.clock);
	}

	/**
	 * Spring's observation of a client request, with its {@code http.url} (a high-cardinality key: trace spans)
	 * without the query string, which a template may use for a key.
	 */
	static final class QuerylessObservationConvention extends DefaultClientRequestObservationConvention {

		@Override
		protected KeyValue requestUri(ClientRequestObservationContext context) {
			ClientHttpRequest request = context.getCarrier();
			return (request != null) ? KeyValue.of(HighCardinalityKeyNames.HTTP_URL,
					OutboundClient.describe(request.getURI())) : super.requestUri(context);
		}

	}

}
