package io.relay.iadvize.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;

/**
 * {@code relay.iadvize.api.requests}: one timing per HTTP request to iAdvize (each retry and each login counts), by
 * {@code api} ({@code rest}, {@code graphql}), {@code resource} ({@code visitor}, {@code conversation},
 * {@code operator}, {@code transaction}, {@code satisfaction}, {@code token}) and {@code outcome}. Tags hold
 * only these fixed names: never an id, a URL or a credential.
 */
final class ApiMetrics {

	static final String NAME = "relay.iadvize.api.requests";

	private final MeterRegistry registry;

	ApiMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	<T> T record(Api api, String resource, Supplier<T> request) {
		long start = System.nanoTime();
		String outcome = "success";
		try {
			return request.get();
		}
		catch (RuntimeException ex) {
			outcome = outcome(ex);
			throw ex;
		}
		finally {
			Timer.builder(NAME)
				.description("Requests to the iAdvize APIs, retries and logins included")
				.tag("api", (api == Api.REST) ? "rest" : "graphql")
				.tag("resource", resource)
				.tag("outcome", outcome)
				.register(this.registry)
				.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
		}
	}

	static String outcome(RuntimeException ex) {
		return switch (ex) {
			case IAdvizeApiException.NotFound notFound -> "not_found";
			case IAdvizeApiException.AuthenticationFailed refused -> "auth_failed";
			case IAdvizeApiException.Rejected rejected -> "rejected";
			case IAdvizeApiException.RateLimited limited -> "rate_limited";
			case IAdvizeApiException.Unavailable unavailable -> "unavailable";
			case TokenRejected stale -> "token_rejected";
			default -> "error";
		};
	}

}
