package io.relay.dispatch.internal;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.relay.event.EventParser;
import io.relay.event.IAdvizeEvent;
import io.relay.event.PayloadFormat;
import io.relay.inbox.EventsStored;
import io.relay.inbox.IncomingEvent;
import io.relay.support.Fixtures;
import io.relay.support.MigratedDatabase;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The planner's clean-up when the inbox transaction does not simply commit: an error while planning, a commit whose
 * outcome is unknown.
 */
class DeliveryPlannerTests {

	private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

	@Test
	void anErrorWhilePlanningReleasesTheConversationsLocks() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("planner-error");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		// Out of memory while writing the batch's deliveries, say: after the conversation's lock was taken.
		DeliveryRepository failing = new DeliveryRepository(jdbc) {

			@Override
			void insert(List<NewDelivery> deliveries, Instant now) {
				throw new OutOfMemoryError("building the statement");
			}

		};
		OrderingLocks locks = new OrderingLocks(failing);
		DispatchWiring wiring = DispatchWiring.of(dataSource, failing, Clock.fixed(NOW, ZoneOffset.UTC));
		// Never started: no slot to reserve, so every delivery goes the claimer's way (inserted PENDING).
		DeliveryPlanner planner = wiring.planner(wiring.dispatcher(null), locks);
		TransactionTemplate transactions = wiring.transactions();
		IncomingEvent closed = event("v2.conversation.closed.json");

		assertThatExceptionOfType(OutOfMemoryError.class).isThrownBy(() -> transactions
			.executeWithoutResult((status) -> planner.plan(new EventsStored(List.of(closed)))));

		// The next transaction of that conversation, on another writer thread, gets its lock.
		String key = DeliveryRepository.orderingLock("ordered", closed.event().conversationId());
		CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(() -> {
			List<ReentrantLock> held = new ArrayList<>();
			try {
				transactions.executeWithoutResult((status) -> locks.lock(List.of(key), held));
				return true;
			}
			finally {
				OrderingLocks.unlock(held);
			}
		}, (task) -> Thread.ofPlatform().daemon().start(task));
		assertThat(next.get(10, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void deliveriesStartedByACommitWhoseOutcomeIsUnknownAreHandedBackAndRun() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("planner-unknown");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		DispatchWiring wiring = DispatchWiring.of(dataSource, repository, Clock.systemUTC());
		Dispatcher dispatcher = wiring.dispatcher(wiring.runner());
		DeliveryPlanner planner = wiring.planner(dispatcher, new OrderingLocks(repository));
		IncomingEvent closed = event("v2.conversation.closed.json");
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, ?, 'application/json', ?, ?)", closed.eventId(), closed.event().eventType(), closed.payload(),
				Timestamp.from(Instant.now()));
		dispatcher.start();
		try {
			// The inbox transaction: its statements went through (auto-commit here), then the answer to its commit
			// was lost, and Spring reports the outcome as unknown.
			List<TransactionSynchronization> synchronizations;
			TransactionSynchronizationManager.initSynchronization();
			try {
				planner.plan(new EventsStored(List.of(closed)));
				synchronizations = TransactionSynchronizationManager.getSynchronizations();
			}
			finally {
				TransactionSynchronizationManager.clearSynchronization();
			}
			assertThat(jdbc.queryForObject("select status from dispatch_delivery where event_id = ?", String.class,
					closed.eventId())).as("taken by the fast path").isEqualTo("RUNNING");

			synchronizations.forEach((synchronization) -> synchronization
				.afterCompletion(TransactionSynchronization.STATUS_UNKNOWN));

			// Not left RUNNING without a worker until its lease (5 minutes) expires: run now, on its first attempt.
			await().until(() -> jdbc.queryForObject("select status || ' ' || attempts from dispatch_delivery where "
					+ "event_id = ?", String.class, closed.eventId()), (value) -> value.equals("SUCCEEDED 1"));
		}
		finally {
			dispatcher.stop();
		}
	}

	@Test
	void theSlotsOfAnInboxTransactionThatRolledBackWakeAClaimerWaitingForOne() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("planner-rolled-back");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// One worker, four slots; polling every hour, so that only a wake-up can start work within the test.
		DispatchWiring wiring = DispatchWiring.of(dataSource, repository, Clock.systemUTC())
			.with(1, Duration.ofHours(1));
		Dispatcher dispatcher = wiring.dispatcher(wiring.runner());
		DeliveryPlanner planner = wiring.planner(dispatcher, new OrderingLocks(repository));
		List<IncomingEvent> batch = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			batch.add(event("user.created.json"));
		}
		Set<Thread> otherClaimers = claimers();
		dispatcher.start();
		try {
			Thread claimer = await().until(() -> claimers().stream().filter((thread) -> !otherClaimers.contains(thread))
				.findFirst()
				.orElse(null), Objects::nonNull);
			// An inbox transaction whose four deliveries take every slot (the fast path)...
			List<TransactionSynchronization> synchronizations;
			TransactionSynchronizationManager.initSynchronization();
			try {
				planner.plan(new EventsStored(batch));
				synchronizations = TransactionSynchronizationManager.getSynchronizations();
			}
			finally {
				TransactionSynchronizationManager.clearSynchronization();
			}
			// ...while another one stores work for the claimer, which finds no slot and waits for a completion.
			String waiting = wiring.storeEventWithDelivery(jdbc);
			dispatcher.wake();
			await().until(() -> waitsForASlot(claimer));

			// The first transaction rolls back (its rows, written here in auto-commit, go with it): no completion
			// comes for its slots.
			jdbc.update("delete from dispatch_delivery where status = 'RUNNING'");
			synchronizations.forEach((synchronization) -> synchronization
				.afterCompletion(TransactionSynchronization.STATUS_ROLLED_BACK));

			await().atMost(Duration.ofSeconds(10))
				.until(() -> jdbc.queryForObject("select status from dispatch_delivery where event_id = ?",
						String.class, waiting), "SUCCEEDED"::equals);
		}
		finally {
			dispatcher.stop();
		}
	}

	private static Set<Thread> claimers() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.getName().equals("delivery-claimer"))
			.collect(Collectors.toSet());
	}

	/** Whether the claimer waits in the claim for a slot to come free (not for work, in its loop). */
	private static boolean waitsForASlot(Thread claimer) {
		return claimer.getState() == Thread.State.TIMED_WAITING && Arrays.stream(claimer.getStackTrace())
			.filter((frame) -> frame.getClassName().equals(Dispatcher.class.getName()))
			.findFirst()
			.filter((frame) -> frame.getMethodName().equals("claimWhileThereIsWork"))
			.isPresent();
	}

	@Test
	void theLeaseOfADeliveryItStartsCountsFromWhenItGotItsConversationsLock() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("planner-lease");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		MutableClock clock = new MutableClock(NOW);
		DispatchWiring wiring = DispatchWiring.of(dataSource, repository, clock);
		TransactionTemplate transactions = wiring.transactions();
		Dispatcher dispatcher = wiring.dispatcher(null);
		OrderingLocks locks = new OrderingLocks(repository);
		DeliveryPlanner planner = wiring.planner(dispatcher, locks);
		IncomingEvent closed = event("v2.conversation.closed.json");
		String key = DeliveryRepository.orderingLock("ordered", closed.event().conversationId());
		// Started for its slots only: with no runner, its worker leaves the delivery as it was stored (logging that
		// it could not run it), so that its lease can be read.
		dispatcher.start();
		List<ReentrantLock> held = new ArrayList<>();
		try {
			// Another writer holds the conversation (this thread, outside any transaction: the stripe is the lock).
			locks.lock(List.of(key), held);
			Thread planning = Thread.ofPlatform().start(() -> transactions
				.executeWithoutResult((status) -> planner.plan(new EventsStored(List.of(closed)))));
			await().until(() -> planning.getState() == Thread.State.WAITING);
			clock.advance(Duration.ofMinutes(4));
			OrderingLocks.unlock(held);
			held.clear();
			planning.join(10_000);

			assertThat(jdbc.queryForObject("select locked_until from dispatch_delivery where event_id = ?",
					Timestamp.class, closed.eventId()).toInstant())
				.isEqualTo(NOW.plus(Duration.ofMinutes(4)).plus(wiring.properties().lease()));
		}
		finally {
			OrderingLocks.unlock(held);
			dispatcher.stop();
		}
	}

	private static IncomingEvent event(String fixture) throws Exception {
		byte[] body = Fixtures.withFreshId(fixture).body().getBytes(StandardCharsets.UTF_8);
		IAdvizeEvent event = new EventParser().parse(body, PayloadFormat.JSON, null, null);
		return new IncomingEvent(event, "application/json", body, null, null, NOW);
	}

}
