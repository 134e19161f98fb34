package io.relay.support;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Sends deliveries to a running Relay over real HTTP, with the headers iAdvize sends.
 */
public final class WebhookClient {

	public static final String SECRET = "test-secret";

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final String baseUrl;

	public WebhookClient(String baseUrl) {
		this.baseUrl = baseUrl;
	}

	public static WebhookClient onPort(int port) {
		return new WebhookClient("http://127.0.0.1:" + port);
	}

	/** A JSON body signed with {@link #SECRET}, with fresh delivery and correlation ids. */
	public HttpResponse<String> deliver(String body) {
		return request(body).send();
	}

	public Request request(String body) {
		return new Request(body.getBytes(StandardCharsets.UTF_8));
	}

	public Request request(byte[] body) {
		return new Request(body);
	}

	public HttpResponse<String> get(String path, String... headers) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(this.baseUrl + path)).GET();
		if (headers.length > 0) {
			builder.headers(headers);
		}
		return send(builder.build());
	}

	private HttpResponse<String> send(HttpRequest request) {
		try {
			return this.http.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	public final class Request {

		private final byte[] body;

		private final List<String> headers = new ArrayList<>();

		private String method = "POST";

		private String path = "/webhooks/iadvize";

		private String contentType = "application/json";

		private String signature;

		private boolean signed = true;

		private boolean chunked;

		private String correlationId = UUID.randomUUID().toString();

		private String deliveryId = UUID.randomUUID().toString();

		Request(byte[] body) {
			this.body = body;
			this.signature = WebhookSignatures.sign(SECRET, body);
		}

		public Request contentType(String contentType) {
			this.contentType = contentType;
			return this;
		}

		public Request signedWith(String secret) {
			this.signature = WebhookSignatures.sign(secret, this.body);
			return this;
		}

		public Request signature(String signature) {
			this.signature = signature;
			return this;
		}

		public Request unsigned() {
			this.signed = false;
			return this;
		}

		public Request correlationId(String correlationId) {
			this.correlationId = correlationId;
			return this;
		}

		public Request deliveryId(String deliveryId) {
			this.deliveryId = deliveryId;
			return this;
		}

		public Request method(String method) {
			this.method = method;
			return this;
		}

		/** Where to send it (the path and any query string): the webhook's path by default. */
		public Request path(String path) {
			this.path = path;
			return this;
		}

		/** Sends the body without a Content-Length (chunked transfer encoding), as a streaming client would. */
		public Request chunked() {
			this.chunked = true;
			return this;
		}

		public Request header(String name, String value) {
			this.headers.add(name);
			this.headers.add(value);
			return this;
		}

		public HttpResponse<String> send() {
			HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(WebhookClient.this.baseUrl + this.path))
				.timeout(Duration.ofSeconds(30))
				.method(this.method, this.chunked
						? HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(this.body))
						: HttpRequest.BodyPublishers.ofByteArray(this.body))
				.header("Content-Type", this.contentType)
				.header("X-iAdvize-Delivery", this.deliveryId);
			if (this.correlationId != null) {
				builder.header("X-iAdvize-CorrelationId", this.correlationId);
			}
			if (this.signed) {
				builder.header("X-iAdvize-Signature", this.signature);
			}
			for (int i = 0; i < this.headers.size(); i += 2) {
				builder.header(this.headers.get(i), this.headers.get(i + 1));
			}
			return WebhookClient.this.send(builder.build());
		}

	}

}
