package io.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.core.ConditionTimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.awaitility.Awaitility.await;

/**
 * The admin API of a running Relay, over real HTTP with HTTP Basic: deliveries by event and handler, replays.
 */
public final class AdminClient {

	public static final String USER = "admin";

	public static final String PASSWORD = "admin-password";

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

	private final String baseUrl;

	private AdminClient(String baseUrl) {
		this.baseUrl = baseUrl;
	}

	public static AdminClient onPort(int port) {
		return new AdminClient("http://127.0.0.1:" + port);
	}

	/** Waits until the event's delivery to {@code handler} is in {@code status}, and returns it. */
	public JsonNode awaitDelivery(String eventId, String handler, String status) {
		AtomicReference<JsonNode> last = new AtomicReference<>();
		try {
			await().atMost(Duration.ofSeconds(30)).until(() -> {
				JsonNode delivery = delivery(eventId, handler);
				last.set(delivery);
				return delivery != null && status.equals(delivery.get("status").asString());
			});
			return last.get();
		}
		catch (ConditionTimeoutException ex) {
			JsonNode delivery = last.get();
			throw new AssertionError("The delivery of " + eventId + " to '" + handler + "' is not " + status + ": "
					+ ((delivery != null) ? delivery.get("status").asString() + " after "
							+ delivery.get("attempts").asInt() + " attempt(s), last error: " + delivery.get("lastError")
							: "no delivery"));
		}
	}

	/** The event's delivery to {@code handler}, or null when there is none (yet). */
	public JsonNode delivery(String eventId, String handler) {
		HttpResponse<String> response = send("GET", "/admin/api/events/" + eventId, null, null);
		if (response.statusCode() != 200) {
			return null;
		}
		for (JsonNode delivery : json.readTree(response.body()).get("deliveries")) {
			if (handler.equals(delivery.get("handler").asString())) {
				return delivery;
			}
		}
		return null;
	}

	/** Whether the event is stored (it may have no delivery to a handler that filtered it out). */
	public boolean eventStored(String eventId) {
		return send("GET", "/admin/api/events/" + eventId, null, null).statusCode() == 200;
	}

	public void replay(String eventId, String handler) {
		HttpResponse<String> response = send("POST", "/admin/api/events/" + eventId + "/replay?handler=" + handler,
				null, null);
		if (response.statusCode() != 200) {
			throw new IllegalStateException("replay answered " + response.statusCode() + ": " + response.body());
		}
	}

	public HttpResponse<String> send(String method, String path, String contentType, byte[] body) {
		HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(this.baseUrl + path))
			.timeout(Duration.ofSeconds(30))
			.header("Authorization", "Basic " + Base64.getEncoder()
				.encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofByteArray(body)
					: HttpRequest.BodyPublishers.noBody());
		if (contentType != null) {
			builder.header("Content-Type", contentType);
		}
		try {
			return this.http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	public static JsonNode read(String body) {
		return json.readTree(body);
	}

}
