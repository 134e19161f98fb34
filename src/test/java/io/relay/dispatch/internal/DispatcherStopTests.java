package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.relay.RelayApplication;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

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
						dispatcher.submit(new DeliveryRepository.Claimed(claimedId, eventId, "log", 1, 10,
								"application/json", "{}".getBytes(), now, false, null));
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
			long id = repository.insertClaimed(List.of(new DeliveryRepository.NewDelivery(eventId, "log", null, 10)),
					now, dispatcher.instance(), now.plus(Duration.ofMinutes(5)))
				.keySet()
				.iterator()
				.next();
			dispatcher.stop();
			assertThat(jdbc.queryForObject("select attempts from dispatch_delivery where id = ?", Integer.class, id))
				.isEqualTo(1);

			dispatcher.submit(new DeliveryRepository.Claimed(id, eventId, "log", 1, 10, "application/json",
					"{}".getBytes(), now, false, null));

			assertThat(jdbc.queryForMap("select status, attempts, locked_by from dispatch_delivery where id = ?", id))
				.containsEntry("STATUS", "PENDING")
				.containsEntry("ATTEMPTS", 0)
				.containsEntry("LOCKED_BY", null);
		}
	}

	private static ConfigurableApplicationContext start() {
		return new SpringApplicationBuilder(RelayApplication.class).run("--server.port=0",
				"--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=jdbc:h2:mem:dispatcher-stop-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1",
				"--relay.workflows.log.enabled=false");
	}

	private static String event(JdbcTemplate jdbc) {
		String eventId = UUID.randomUUID().toString();
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'user.created', 'application/json', ?, ?)", eventId, "{}".getBytes(),
				Timestamp.from(Instant.now()));
		return eventId;
	}

}
