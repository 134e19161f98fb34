package io.relay.iadvize.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import org.springframework.http.MediaType;
import org.springframework.util.StreamUtils;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.util.UriBuilder;

/**
 * GETs on the REST API v2: the host chosen by the event's platform, {@code X-API-Key} on every request, each
 * request retried, throttled and timed, the envelope read by {@link RestEnvelope}.
 */
final class RestTransport {

	/** The API's largest page. */
	static final int PAGE_SIZE = 100;

	/** A guard against a {@code pages} count that never ends: 100 pages of 100 is far more than one conversation has. */
	static final int MAX_PAGES = 100;

	private final Map<Platform, RestClient> clients;

	private final boolean platformSpecific;

	private final RestEnvelope envelope;

	private final Failures failures;

	private final ApiMetrics metrics;

	private final Retries retries;

	private final RequestSlots slots;

	RestTransport(IAdvizeProperties.Rest settings, RestClient.Builder builder, RestEnvelope envelope, Failures failures,
			ApiMetrics metrics, Retries retries) {
		this.clients = new EnumMap<>(Platform.class);
		if (settings.apiKey() != null) {
			for (Platform platform : List.of(Platform.SD, Platform.HA)) {
				String baseUrl = settings.baseUrl().replace(IAdvizeProperties.Rest.PLATFORM,
						platform.name().toLowerCase(Locale.ROOT));
				this.clients.put(platform,
						builder.clone().baseUrl(baseUrl).defaultHeader("X-API-Key", settings.apiKey()).build());
			}
		}
		this.platformSpecific = settings.baseUrl().contains(IAdvizeProperties.Rest.PLATFORM);
		this.envelope = envelope;
		this.failures = failures;
		this.metrics = metrics;
		this.retries = retries;
		this.slots = new RequestSlots(settings.maxConcurrentRequests());
	}

	boolean configured() {
		return !this.clients.isEmpty();
	}

	/** One resource: the envelope's {@code data}. */
	RestEnvelope.Page get(Platform platform, String resource, Function<UriBuilder, URI> uri) {
		RestClient client = client(platform, resource);
		return this.retries.call(Api.REST, resource, () -> this.slots.run(Api.REST, resource,
				() -> this.metrics.record(Api.REST, resource, () -> exchange(client, resource, uri))));
	}

	/**
	 * Every page of a list ({@code page} and {@code limit} added to the query). Each page is its own retried request:
	 * a failure on page 3 retries page 3, not the whole list.
	 */
	List<RestEnvelope.Page> getAll(Platform platform, String resource, Function<UriBuilder, UriBuilder> query,
			Object... uriVariables) {
		List<RestEnvelope.Page> pages = new ArrayList<>();
		int page = 1;
		while (true) {
			int current = page;
			RestEnvelope.Page answer = get(platform, resource,
					(builder) -> query.apply(builder).queryParam("page", current)
						.queryParam("limit", PAGE_SIZE)
						.build(uriVariables));
			pages.add(answer);
			if (current >= answer.pages() || !answer.data().isArray() || answer.data().isEmpty()) {
				return pages;
			}
			if (current >= MAX_PAGES) {
				throw new IAdvizeApiException.Rejected(Api.REST, resource, Failures.describe(Api.REST, resource)
						+ " has more than " + MAX_PAGES + " pages of " + PAGE_SIZE + "; narrow the query");
			}
			page++;
		}
	}

	private RestClient client(Platform platform, String resource) {
		if (this.clients.isEmpty()) {
			throw new IAdvizeApiException.Rejected(Api.REST, resource, Failures.describe(Api.REST, resource)
					+ " cannot be called: relay.iadvize.rest.api-key is not set");
		}
		RestClient client = this.clients.get(platform);
		if (client != null) {
			return client;
		}
		if (!this.platformSpecific) {
			return this.clients.get(Platform.SD);
		}
		throw new IAdvizeApiException.Rejected(Api.REST, resource, Failures.describe(Api.REST, resource)
				+ " cannot be called: the event names no platform (sd or ha), and the REST host depends on it");
	}

	private RestEnvelope.Page exchange(RestClient client, String resource, Function<UriBuilder, URI> uri) {
		try {
			return client.get()
				.uri(uri)
				.accept(MediaType.APPLICATION_JSON)
				.exchange((request, response) -> this.envelope.read(resource, response.getStatusCode(),
						response.getHeaders(), StreamUtils.copyToByteArray(response.getBody())));
		}
		catch (ResourceAccessException ex) {
			throw this.failures.fromIo(Api.REST, resource, ex);
		}
		catch (RestClientException ex) {
			// Not an HTTP status (exchange() reads every status itself): a client-side failure around the I/O.
			throw this.failures.fromIo(Api.REST, resource, ex);
		}
	}

}
