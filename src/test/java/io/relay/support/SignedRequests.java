package io.relay.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;

/**
 * Checks what Relay sent the way a receiver would: with the reference Standard Webhooks verifier
 * ({@code com.standardwebhooks:standardwebhooks}), written by others, over the exact bytes WireMock received.
 */
public final class SignedRequests {

	private SignedRequests() {
	}

	/**
	 * @throws WebhookVerificationException when no signature in {@code webhook-signature} verifies under
	 * {@code secret}, or the timestamp is more than five minutes away
	 */
	public static void verify(LoggedRequest request, String secret) throws WebhookVerificationException {
		new Webhook(secret).verify(request.getBodyAsString(), headers(request));
	}

	/** The request's headers, names in lowercase as the verifier looks them up. */
	public static Map<String, List<String>> headers(LoggedRequest request) {
		Map<String, List<String>> headers = new TreeMap<>();
		for (HttpHeader header : request.getHeaders().all()) {
			headers.computeIfAbsent(header.key().toLowerCase(Locale.ROOT), (key) -> new ArrayList<>())
				.addAll(header.values());
		}
		return headers;
	}

}
