package io.relay.dispatch;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import io.relay.support.Fixtures;
import io.relay.support.RelayProcess;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Relay killed with SIGKILL while handlers are running, then started again: every acknowledged event's
 * deliveries still complete (the dead instance's claims are taken up once their lease expires).
 */
abstract class DispatchCrashTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	abstract List<String> databaseArguments();

	private String[] arguments() {
		List<String> arguments = new ArrayList<>(databaseArguments());
		arguments.addAll(List.of("--relay.test.recording-handler=true", "--relay.test.recording-handler-millis=500",
				"--relay.dispatch.workers=4", "--relay.dispatch.lease=3s", "--relay.dispatch.poll-interval=200ms",
				"--spring.security.user.name=admin", "--spring.security.user.password=pw",
				"--relay.workflows.log.enabled=false"));
		return arguments.toArray(String[]::new);
	}

	@Test
	void deliveriesInterruptedByKillMinusNineCompleteAfterARestart() {
		List<String> acknowledged = new ArrayList<>();
		List<String> running;
		try (RelayProcess relay = RelayProcess.start(getClass().getSimpleName() + "-first", arguments())) {
			for (int i = 0; i < 40; i++) {
				Fixtures.Event event = Fixtures.withFreshId("user.created.json");
				assertThat(relay.client().deliver(event.body()).statusCode()).isEqualTo(202);
				acknowledged.add(event.eventId());
			}
			// 40 deliveries of 500 ms on 4 workers take about 5 s: kill in the middle of it (with 100 ms, all had
			// sometimes finished before the kill, and the test proved nothing about the restart).
			await().until(() -> count(relay, "SUCCEEDED") >= 4 && count(relay, "RUNNING") > 0);
			running = eventIds(relay, "RUNNING");
			int succeededBeforeTheKill = count(relay, "SUCCEEDED");
			relay.kill();
			// Work was left for the restart to take up, some of it claimed by the killed instance (else this test
			// would prove nothing about the restart, nor about the lease).
			assertThat(succeededBeforeTheKill).isLessThan(acknowledged.size());
			assertThat(running).isNotEmpty();
		}
		try (RelayProcess relay = RelayProcess.start(getClass().getSimpleName() + "-restarted", arguments())) {
			await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
				assertThat(count(relay, "PENDING") + count(relay, "RUNNING") + count(relay, "FAILED")).isZero();
				assertThat(count(relay, "SUCCEEDED")).isEqualTo(acknowledged.size());
			});
			// Deliveries the killed instance had claimed ran again once its lease expired: a second attempt, and the
			// lost run in the history. (At least one: a run may have ended between the listing and the kill.)
			assertThat(running).anySatisfy((eventId) -> {
				JsonNode delivery = delivery(relay, eventId);
				assertThat(delivery.get("attempts").asInt()).isGreaterThanOrEqualTo(2);
				assertThat(delivery.get("history")).anySatisfy((attempt) -> assertThat(attempt.path("error").asString(""))
					.startsWith("the lease expired: the handler did not return in time"));
			});
			relay.stop();
			// A SIGTERM is a graceful shutdown: the store must still be open while the inbox and dispatcher stop.
			assertThat(relay.log()).doesNotContain("Database is already closed");
		}
	}

	/** Events with a delivery in this status, through the admin API. */
	private static int count(RelayProcess relay, String status) {
		return admin(relay, "/admin/api/events?size=1&status=" + status).get("page").get("totalElements").asInt();
	}

	private static List<String> eventIds(RelayProcess relay, String status) {
		List<String> ids = new ArrayList<>();
		admin(relay, "/admin/api/events?size=100&status=" + status).get("content")
			.forEach((event) -> ids.add(event.get("eventId").asString()));
		return ids;
	}

	/** The event's one delivery (the recording handler's). */
	private static JsonNode delivery(RelayProcess relay, String eventId) {
		JsonNode deliveries = admin(relay, "/admin/api/events/" + eventId).get("deliveries");
		assertThat(deliveries).hasSize(1);
		return deliveries.get(0);
	}

	private static JsonNode admin(RelayProcess relay, String path) {
		try {
			HttpResponse<String> response = HttpClient.newHttpClient()
				.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay.port() + path))
					.header("Authorization",
							"Basic " + Base64.getEncoder().encodeToString("admin:pw".getBytes(StandardCharsets.UTF_8)))
					.build(), HttpResponse.BodyHandlers.ofString());
			assertThat(response.statusCode()).as(path).isEqualTo(200);
			return json.readTree(response.body());
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
