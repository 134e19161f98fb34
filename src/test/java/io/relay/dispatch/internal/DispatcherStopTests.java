package io.relay.dispatch.internal;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.relay.RelayApplication;
import io.relay.support.RecordingHandler;
import io.relay.support.WebhookClient;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An inbox transaction that took the fast path before the dispatcher stopped, and commits after its workers shut
 * down (a request still being written when the web server's graceful phase ended).
 */
class DispatcherStopTests {

	@Test
	void aDeliveryCommittedAfterTheStopIsHandedBackAndTheCommitStillSucceeds() {
		try (ConfigurableApplicationContext relay = new SpringApplicationBuilder(RelayApplication.class).run(
				"--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=jdbc:h2:mem:dispatcher-stop-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
				"--relay.workflows.log.enabled=false")) {
			Dispatcher dispatcher = relay.getBean(Dispatcher.class);
			DeliveryRepository repository = relay.getBean(DeliveryRepository.class);
			JdbcTemplate jdbc = relay.getBean(JdbcTemplate.class);
			TransactionTemplate transactions = relay.getBean(TransactionTemplate.class);
			String eventId = UUID.randomUUID().toString();
			Instant now = Instant.now();
			jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
					+ "(?, 'user.created', 'application/json', ?, ?)", eventId, "{}".getBytes(), Timestamp.from(now));

			dispatcher.stop();
			Long id = transactions.execute((status) -> {
				Map<Long, DeliveryRepository.NewDelivery> claimed = repository.insertClaimed(
						List.of(new DeliveryRepository.NewDelivery(eventId, "log", null, 10)), now,
						dispatcher.instance(), now.plus(Duration.ofMinutes(5)));
				long claimedId = claimed.keySet().iterator().next();
				TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

					@Override
					public void afterCommit() {
						dispatcher.submit(firstAttempt(claimedId, eventId, "log", "{}".getBytes(), now), now);
					}

				});
				return claimedId;
			});

			assertThat(jdbc.queryForMap("select status, attempts, locked_by from dispatch_delivery where id = ?", id))
				.containsEntry("STATUS", "PENDING")
				.containsEntry("ATTEMPTS", 0)
				.containsEntry("LOCKED_BY", null);
		}
	}

	@Test
	void aDeliveryTheStopHandedBackBeforeItsSubmitGetsItsAttemptBack() {
		try (ConfigurableApplicationContext relay = start()) {
			Dispatcher dispatcher = relay.getBean(Dispatcher.class);
			DeliveryRepository repository = relay.getBean(DeliveryRepository.class);
			JdbcTemplate jdbc = relay.getBean(JdbcTemplate.class);
			String eventId = event(jdbc);
			Instant now = Instant.now();
			// Committed before the stop, submitted after it: the stop hands it back as one that may have run.
			long id = claimed(repository, dispatcher, eventId, "log", now);
			dispatcher.stop();
			assertThat(jdbc.queryForObject("select attempts from dispatch_delivery where id = ?", Integer.class, id))
				.isEqualTo(1);

			dispatcher.submit(firstAttempt(id, eventId, "log", "{}".getBytes(), now), now);

			assertThat(jdbc.queryForMap("select status, attempts, locked_by from dispatch_delivery where id = ?", id))
				.containsEntry("STATUS", "PENDING")
				.containsEntry("ATTEMPTS", 0)
				.containsEntry("LOCKED_BY", null);
		}
	}

	@Test
	void aRetryTheClaimerClaimedAsTheStopEndedIsHandedBackWithItsAttempt() {
		try (ConfigurableApplicationContext relay = start()) {
			Dispatcher dispatcher = relay.getBean(Dispatcher.class);
			JdbcTemplate jdbc = relay.getBean(JdbcTemplate.class);
			String eventId = event(jdbc);
			Instant now = Instant.now();
			dispatcher.stop();
			// A claim that outlasted the stop's wait for the claimer commits after the stop: the delivery's second
			// attempt, claimed by this instance (its second claim), and its workers gone.
			jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, claims, max_attempts, "
					+ "next_attempt_at, locked_by, locked_until, created_at, updated_at) values (?, 'log', 'RUNNING', 2, "
					+ "2, 10, ?, ?, ?, ?, ?)", eventId, Timestamp.from(now), dispatcher.instance(),
					Timestamp.from(now.plus(Duration.ofMinutes(5))), Timestamp.from(now), Timestamp.from(now));
			long id = jdbc.queryForObject("select id from dispatch_delivery where event_id = ?", Long.class, eventId);

			dispatcher.submit(new DeliveryRepository.Claimed(id, eventId, "log", 2, 2, 10, "application/json",
					"{}".getBytes(), now, false, null), now);

			// Not left RUNNING until its lease expires (and then, on a last attempt, buried DEAD without a run).
			assertThat(jdbc.queryForMap("select status, attempts, locked_by from dispatch_delivery where id = ?", id))
				.containsEntry("STATUS", "PENDING")
				.containsEntry("ATTEMPTS", 1)
				.containsEntry("LOCKED_BY", null);
		}
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void finishedDeliveriesThatCannotBeRecordedAreGivenUpAShutdownTimeoutAfterTheStop(CapturedOutput output) {
		try (ConfigurableApplicationContext relay = start("--relay.dispatch.shutdown-timeout=6s")) {
			Dispatcher dispatcher = relay.getBean(Dispatcher.class);
			DeliveryRepository repository = relay.getBean(DeliveryRepository.class);
			JdbcTemplate jdbc = relay.getBean(JdbcTemplate.class);
			String eventId = event(jdbc);
			Instant now = Instant.now();
			long id = claimed(repository, dispatcher, eventId, "log", now);
			// Every write of a finished attempt fails from now on, as with a database gone during a shutdown.
			jdbc.execute("drop table dispatch_attempt");
			dispatcher.submit(firstAttempt(id, eventId, "log", "{}".getBytes(), now), now);
			await().until(() -> output.getOut().contains("Could not record 1 finished deliveries"));

			long stopped = System.nanoTime();
			dispatcher.stop();

			// Its pauses stop at 5 s: compared with the timeout (6 s), they never reached it, and the completer went
			// on retrying for ever, after the stop had given up waiting for it.
			await().atMost(Duration.ofSeconds(20))
				.until(() -> output.getOut().contains("Giving up recording 1 finished deliveries at shutdown"));
			// Not before: the database may come back within the shutdown timeout.
			assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isGreaterThanOrEqualTo(Duration.ofSeconds(6));
		}
	}

	@Test
	@ExtendWith(OutputCaptureExtension.class)
	void theCompletionsOfHandlersThatEndAtTheShutdownTimeoutAreStillRetried(CapturedOutput output) throws Exception {
		CountDownLatch hold = RecordingHandler.hold();
		try (ConfigurableApplicationContext relay = start("--relay.dispatch.shutdown-timeout=6s",
				"--relay.test.recording-handler=true")) {
			Dispatcher dispatcher = relay.getBean(Dispatcher.class);
			DeliveryRepository repository = relay.getBean(DeliveryRepository.class);
			JdbcTemplate jdbc = relay.getBean(JdbcTemplate.class);
			byte[] body = ("{\"eventId\": \"" + UUID.randomUUID() + "\", \"eventType\": \"user.created\", "
					+ "\"userId\": 1}").getBytes(StandardCharsets.UTF_8);
			String eventId = event(jdbc, body);
			Instant now = Instant.now();
			long id = claimed(repository, dispatcher, eventId, "recording", now);
			// In a slot of its own, as the planner reserves one for each delivery it starts.
			assertThat(dispatcher.reserve(1)).isOne();
			dispatcher.submit(firstAttempt(id, eventId, "recording", body, now), now);
			await().until(() -> RecordingHandler.held() == 1);
			// Every write of a finished attempt fails from now on, as with a database gone during a shutdown.
			jdbc.execute("drop table dispatch_attempt");

			CompletableFuture<Void> stop = CompletableFuture.runAsync(dispatcher::stop);
			// The stop waits for the handler for the shutdown timeout, interrupts it, and waits 5 s more; the
			// handler ends in that time, and its completion is the first to fail.
			await().atMost(Duration.ofSeconds(15))
				.until(() -> output.getOut().contains("Deliveries still running after"));
			int ended = output.getOut().length();
			hold.countDown();
			stop.get(30, TimeUnit.SECONDS);

			// Counted from the stop, the deadline had passed when that completion came: given up without a retry.
			await().until(() -> output.getOut().substring(ended).contains("Giving up recording 1 finished deliveries"));
			assertThat(output.getOut().substring(ended)).contains("Could not record 1 finished deliveries; retrying");
		}
		finally {
			hold.countDown();
		}
	}

	/** A delivery of the event to {@code handler}, inserted already claimed by this instance (the fast path). */
	private static long claimed(DeliveryRepository repository, Dispatcher dispatcher, String eventId, String handler,
			Instant now) {
		return repository.insertClaimed(List.of(new DeliveryRepository.NewDelivery(eventId, handler, null, 10)), now,
				dispatcher.instance(), now.plus(Duration.ofMinutes(5)))
			.keySet()
			.iterator()
			.next();
	}

	/** The first attempt of a delivery inserted claimed, as the planner hands it to the dispatcher. */
	private static DeliveryRepository.Claimed firstAttempt(long id, String eventId, String handler, byte[] body,
			Instant receivedAt) {
		return new DeliveryRepository.Claimed(id, eventId, handler, 1, 1, 10, "application/json", body, receivedAt,
				false, null);
	}

	private static ConfigurableApplicationContext start(String... more) {
		List<String> arguments = new ArrayList<>(List.of("--server.port=0",
				"--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=jdbc:h2:mem:dispatcher-stop-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
				"--relay.workflows.log.enabled=false"));
		arguments.addAll(List.of(more));
		return new SpringApplicationBuilder(RelayApplication.class).run(arguments.toArray(String[]::new));
	}

	private static String event(JdbcTemplate jdbc) {
		return event(jdbc, null);
	}

	private static String event(JdbcTemplate jdbc, byte @Nullable [] body) {
		String eventId = UUID.randomUUID().toString();
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'user.created', 'application/json', ?, ?)", eventId, (body != null) ? body : "{}".getBytes(),
				Timestamp.from(Instant.now()));
		return eventId;
	}

}
