package io.relay.iadvize.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.iadvize.IAdvizeCredentials;
import io.relay.iadvize.IAdvizeEnrichment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.http.client.HttpRedirects;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.graphql.client.HttpSyncGraphQlClient;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Wires the iAdvize clients. Public only so that tests can import it; nothing here is API.
 * <p>
 * The HTTP clients start from Boot's {@code RestClient.Builder} (its observations and JSON converters) and the
 * application's HTTP client choice, with this module's timeouts, and never follow redirects: a redirect would carry
 * the API key or the token to wherever it points.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(IAdvizeProperties.class)
public class IAdvizeConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(IAdvizeConfiguration.class);

	private static final String LEASE = "relay.dispatch.lease";

	/** The dispatcher's default ({@code DispatchProperties}; IAdvizePropertiesTests checks that they agree). */
	private static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);

	@Bean
	IAdvizeCredentials iadvizeCredentials(IAdvizeProperties properties) {
		return new PropertiesCredentials(properties);
	}

	@Bean
	IAdvizeEnrichment iadvizeEnrichment(IAdvizeProperties properties, ObjectProvider<RestClient.Builder> builders,
			ObjectProvider<ClientHttpRequestFactoryBuilder<?>> requestFactories,
			ObjectProvider<HttpClientSettings> httpSettings, ObjectProvider<JsonMapper> jsonMappers,
			ObjectProvider<Clock> clocks, ObjectProvider<MeterRegistry> registries, Environment environment) {
		warnUnlessWithinTheLease(properties, environment);
		// Amounts stay exact: 300.20 is read as 300.20, never through a double.
		JsonMapper json = jsonMappers.getIfAvailable(JsonMapper::new)
			.rebuild()
			.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
			.build();
		Clock clock = clocks.getIfAvailable(Clock::systemUTC);
		MeterRegistry registry = registries.getIfAvailable(SimpleMeterRegistry::new);
		ClientHttpRequestFactory requestFactory = requestFactories.getIfAvailable(ClientHttpRequestFactoryBuilder::detect)
			.build(httpSettings.getIfAvailable(HttpClientSettings::defaults)
				.withTimeouts(properties.connectTimeout(), properties.readTimeout())
				.withRedirects(HttpRedirects.DONT_FOLLOW));
		RestClient.Builder builder = builders.getIfAvailable(RestClient::builder)
			.requestFactory(requestFactory)
			.requestInterceptor(new BoundedAnswers(properties.maxAnswerSize().toBytes()));

		Secrets secrets = new Secrets(properties.rest().apiKey(), properties.graphql().password());
		Failures failures = new Failures(clock, secrets);
		ApiMetrics metrics = new ApiMetrics(registry);
		Retries retries = new Retries(properties.retry());

		RestTransport restTransport = new RestTransport(properties.rest(), builder.clone(),
				new RestEnvelope(json, failures), failures, metrics, retries);
		RestResources rest = new RestResources(restTransport, new RestMapping(json));

		AccessTokens tokens = new AccessTokens(properties.graphql(), builder.clone().build(), json, clock, failures,
				metrics, secrets);
		HttpSyncGraphQlClient graphQlClient = HttpSyncGraphQlClient
			.builder(builder.clone()
				.requestInterceptor(GraphQlTransport.bearerToken())
				.requestInterceptor(GraphQlTransport.answerStatus())
				.build())
			.url(properties.graphql().url())
			.build();
		GraphQlResources graphQl = new GraphQlResources(new GraphQlTransport(properties.graphql(), graphQlClient,
				tokens, json, failures, secrets, metrics, retries));

		return new DefaultEnrichment(rest, graphQl, new VisitorCache(properties.cache(), registry), clock,
				properties.callTimeout(), properties.deliveryTimeout());
	}

	/**
	 * A delivery's lookups that can outlast its lease let another instance run the same delivery meanwhile: their
	 * time ({@code delivery-timeout}, or {@code call-timeout} when longer), plus a request already sent when it ran
	 * out and a token renewal that request may wait for, must end before the lease does. Read by name: this module
	 * does not see the dispatcher's settings. A warning, not a refusal: a short lease may suit handlers that never
	 * call iAdvize.
	 */
	private static void warnUnlessWithinTheLease(IAdvizeProperties properties, Environment environment) {
		Duration lease = Binder.get(environment).bind(LEASE, Duration.class).orElse(DEFAULT_LEASE);
		Duration lookups = Collections.max(List.of(properties.deliveryTimeout(), properties.callTimeout()));
		// A request under way when the time runs out, and a token renewal it may then wait for, are not cut short.
		Duration request = properties.connectTimeout().plus(properties.readTimeout());
		Duration worst = lookups.plus(request.multipliedBy(2));
		if (worst.compareTo(lease) >= 0) {
			logger.warn("A delivery's iAdvize lookups may take {} (relay.iadvize.delivery-timeout or call-timeout, "
					+ "plus twice connect-timeout and read-timeout), not under {} ({}): they may "
					+ "outlast the delivery's lease, and another instance run the same delivery meanwhile. Lower "
					+ "them, or raise the lease.", worst, LEASE, lease);
		}
	}

}
