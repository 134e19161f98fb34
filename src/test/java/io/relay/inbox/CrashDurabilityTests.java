package io.relay.inbox;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import io.relay.support.Fixtures;
import io.relay.support.RelayProcess;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Acknowledged means durable: Relay is killed with SIGKILL while deliveries are in flight, right after an
 * acknowledgement, then started again on the same database, and every event it acknowledged must be there.
 */
abstract class CrashDurabilityTests {

	private static final List<String> FIXTURES = Fixtures.names();

	/** Spring Boot arguments that point Relay at the database under test; the same for both runs. */
	abstract String[] databaseArguments();

	@Test
	void everyAcknowledgedEventSurvivesKillMinusNine() throws Exception {
		Set<String> acknowledged = ConcurrentHashMap.newKeySet();
		try (RelayProcess relay = RelayProcess.start(getClass().getSimpleName() + "-first", databaseArguments())) {
			WebhookClient client = relay.client();
			AtomicBoolean killed = new AtomicBoolean();
			try (ExecutorService senders = Executors.newFixedThreadPool(16)) {
				for (int sender = 0; sender < 16; sender++) {
					int offset = sender;
					senders.submit(() -> {
						for (int i = offset; !killed.get(); i++) {
							Fixtures.Event event = Fixtures.withFreshId(FIXTURES.get(i % FIXTURES.size()));
							try {
								if (client.deliver(event.body()).statusCode() == 202) {
									acknowledged.add(event.eventId());
								}
							}
							catch (RuntimeException connectionLost) {
								return;
							}
						}
					});
				}
				try {
					// Generous: on a shared, loaded machine 400 acknowledgements can take more than the default 10 s.
					await().atMost(Duration.ofSeconds(120)).until(() -> acknowledged.size() >= 400);
					// The 400th acknowledgement has just been read by a sender: kill now, with others in flight.
					relay.kill();
				}
				finally {
					// Always stop the senders: if the wait above fails, closing the executor would otherwise wait
					// for them forever (they loop until killed), and the build would hang instead of failing.
					killed.set(true);
				}
			}
		}
		assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(400);

		try (RelayProcess relay = RelayProcess.start(getClass().getSimpleName() + "-restarted",
				databaseArguments())) {
			WebhookClient client = relay.client();
			for (String eventId : acknowledged) {
				HttpResponse<String> again = client.deliver(
						"{\"eventId\":\"" + eventId + "\",\"eventType\":\"user.created\",\"userId\":1}");
				assertThat(again.statusCode()).as("redelivery of acknowledged %s after the crash", eventId)
					.isEqualTo(200);
			}
			relay.stop();
		}
	}

}
