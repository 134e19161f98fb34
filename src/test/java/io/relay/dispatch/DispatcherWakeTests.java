package io.relay.dispatch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The claimer is woken in-process when work for it appears, not found by polling: with a poll interval of an hour,
 * a delivery held back for its conversation, or one that found every worker slot taken, still runs as soon as the
 * delivery in its way is done.
 */
@Import(DispatchTestsHandlers.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "relay.dispatch.poll-interval=1h",
				"relay.dispatch.workers=1", "relay.workflows.log.enabled=false",
				"relay.dispatch.handlers.scripted.initial-backoff=50ms", "relay.dispatch.handlers.scripted.max-backoff=100ms",
				"spring.datasource.url=jdbc:h2:file:./target/h2/wake-${random.uuid};WRITE_DELAY=0" })
class DispatcherWakeTests {

	@LocalServerPort
	int port;

	@Autowired
	ScriptedHandler handler;

	@Autowired
	JdbcTemplate jdbc;

	private final CountDownLatch gate = new CountDownLatch(1);

	private WebhookClient client;

	@BeforeEach
	void client() {
		this.client = WebhookClient.onPort(this.port);
	}

	@AfterEach
	void openGate() {
		this.gate.countDown();
	}

	@Test
	void aDeliveryHeldBackForItsConversationStartsWhenTheOneBeforeItIsDone() {
		String conversation = UUID.randomUUID().toString();
		Fixtures.Event pushed = DispatchTests.conversationEvent("v2.conversation.pushed.json", conversation);
		Fixtures.Event closed = DispatchTests.conversationEvent("v2.conversation.closed.json", conversation);
		this.handler.script(pushed.eventId(), this::waitForGate);
		deliver(pushed);
		deliver(closed);
		assertThat(status(closed.eventId())).isEqualTo("PENDING");

		this.gate.countDown();
		awaitSucceeded(List.of(pushed.eventId(), closed.eventId()));
		assertThat(this.handler.runsOf(closed.eventId()).getFirst().started())
			.isAfterOrEqualTo(this.handler.runsOf(pushed.eventId()).getFirst().finished());
	}

	@Test
	void deliveriesThatFoundEverySlotTakenStartWhenSlotsFreeUp() {
		// One worker has four slots: the first delivery holds the worker, three wait in memory, the rest in the
		// database for the claimer.
		Fixtures.Event first = Fixtures.withFreshId("user.created.json");
		this.handler.script(first.eventId(), this::waitForGate);
		List<String> ids = new ArrayList<>(List.of(first.eventId()));
		deliver(first);
		for (int i = 0; i < 8; i++) {
			Fixtures.Event event = Fixtures.withFreshId("user.created.json");
			ids.add(event.eventId());
			deliver(event);
		}
		assertThat(this.jdbc.queryForObject("select count(*) from dispatch_delivery where status = 'PENDING' and "
				+ "handler = 'scripted'", Integer.class)).isPositive();

		this.gate.countDown();
		awaitSucceeded(ids);
	}

	@Test
	void aRetryRunsWhenItIsDueNotAtTheNextPoll() {
		Fixtures.Event event = Fixtures.withFreshId("visitor.updated.json");
		this.handler.script(event.eventId(), () -> HandlerResult.retry("downstream 503"),
				() -> HandlerResult.retry("still 503"));
		deliver(event);
		awaitSucceeded(List.of(event.eventId()));
		assertThat(this.handler.runsOf(event.eventId())).hasSize(3);
	}

	@Test
	void aRetryOfAConversationRunsWhenItIsDueNotAtTheNextPoll() {
		// Its completion is ordered, which wakes the claimer at once: too early for the retry, which must still
		// wake it when it is due.
		Fixtures.Event event = DispatchTests.conversationEvent("v2.conversation.closed.json",
				UUID.randomUUID().toString());
		this.handler.script(event.eventId(), () -> HandlerResult.retry("downstream 503"),
				() -> HandlerResult.retry("still 503"));
		deliver(event);
		awaitSucceeded(List.of(event.eventId()));
		assertThat(this.handler.runsOf(event.eventId())).hasSize(3);
	}

	@Test
	void retriesOfSeveralDeliveriesEachRunWhenDueNotOnlyTheEarliest() {
		Fixtures.Event sooner = Fixtures.withFreshId("visitor.updated.json");
		Fixtures.Event later = Fixtures.withFreshId("visitor.updated.json");
		this.handler.script(sooner.eventId(), () -> HandlerResult.retryAfter("busy", Duration.ofMillis(500)));
		this.handler.script(later.eventId(), () -> HandlerResult.retryAfter("busy", Duration.ofMillis(1500)));
		deliver(sooner);
		deliver(later);
		// The later retry is scheduled while the sooner one waits: once that one is claimed, the later one must
		// still wake the claimer when it is due (it was forgotten, and waited for the poll).
		awaitSucceeded(List.of(sooner.eventId(), later.eventId()));
		List<ScriptedHandler.Run> runs = this.handler.runsOf(later.eventId());
		assertThat(runs).hasSize(2);
		assertThat(runs.get(1).started()).isAfterOrEqualTo(runs.get(0).finished().plusMillis(1500));
	}

	private HandlerResult waitForGate() {
		try {
			return this.gate.await(30, TimeUnit.SECONDS) ? HandlerResult.success() : HandlerResult.retry("gate shut");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return HandlerResult.retry("interrupted");
		}
	}

	private void awaitSucceeded(List<String> eventIds) {
		// Far below the poll interval: only a wake-up can explain it.
		await().atMost(Duration.ofSeconds(15))
			.untilAsserted(() -> assertThat(eventIds).allSatisfy(
					(eventId) -> assertThat(status(eventId)).isEqualTo("SUCCEEDED")));
	}

	private String status(String eventId) {
		return this.jdbc.queryForObject("select status from dispatch_delivery where event_id = ? and handler = "
				+ "'scripted'", String.class, eventId);
	}

	private void deliver(Fixtures.Event event) {
		assertThat(this.client.deliver(event.body()).statusCode()).isEqualTo(202);
	}

}
