package io.relay.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.awaitility.Awaitility.await;

/**
 * The admin API of a running Relay, as an operator uses it: event details, deliveries, replays.
 */
public final class AdminApi {

	public static final String USER = "admin";

	public static final String PASSWORD = "admin-password";

	private static final JsonMapper json = JsonMapper.builder().build();

	private final HttpClient http = HttpClient.newHttpClient();

	private final int port;

	public AdminApi(int port) {
		this.port = port;
	}

	/** The event's detail, or {@code null} when it is not stored (yet). */
	public JsonNode event(String eventId) {
		HttpResponse<String> response = send("GET", "/admin/api/events/" + eventId);
		return (response.statusCode() == 200) ? json.readTree(response.body()) : null;
	}

	/** Waits until the event's delivery to {@code handler} is in {@code status}, and returns it. */
	public JsonNode awaitDelivery(String eventId, String handler, String status) {
		return await("delivery of " + eventId + " to " + handler + " in " + status).atMost(Duration.ofSeconds(30))
			.until(() -> delivery(eventId, handler),
					(delivery) -> delivery != null && status.equals(delivery.get("status").asString()));
	}

	public JsonNode delivery(String eventId, String handler) {
		JsonNode event = event(eventId);
		if (event == null) {
			return null;
		}
		for (JsonNode delivery : event.get("deliveries")) {
			if (handler.equals(delivery.get("handler").asString())) {
				return delivery;
			}
		}
		return null;
	}

	/** Replays one event's delivery to one handler; returns how many were replayed. */
	public int replay(String eventId, String handler) {
		HttpResponse<String> response = send("POST", "/admin/api/events/" + eventId + "/replay?handler=" + handler);
		return json.readTree(response.body()).get("replayed").asInt();
	}

	private HttpResponse<String> send(String method, String path) {
		try {
			return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
				.header("Authorization", "Basic " + Base64.getEncoder()
					.encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
				.method(method, HttpRequest.BodyPublishers.noBody())
				.build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

}
