package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.dispatch.DeliveryStatus;
import io.relay.dispatch.Replayed;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static io.relay.support.Threads.THREAD_PER_TASK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Replays: in batches, and under the ordering locks of the deliveries they set back.
 */
class DispatchServiceTests {

	private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aBulkReplayGoesThroughEveryMatchingDeliveryABatchAtATime(String database) {
		DataSource dataSource = MigratedDatabase.of(database, "bulk_replay");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DispatchService service = service(dataSource, new OrderingLocks(new DeliveryRepository(jdbc)));
		int dead = 2 * DeliveryRepository.REPLAY_BATCH + 7;
		List<Object[]> events = new ArrayList<>();
		List<Object[]> deliveries = new ArrayList<>();
		for (int i = 0; i < dead; i++) {
			String eventId = "e-" + i;
			events.add(new Object[] { eventId, "{}".getBytes(), Timestamp.from(NOW) });
			// Half of them ordered, in fifty conversations.
			deliveries.add(new Object[] { eventId, (i % 3 == 0) ? "SUCCEEDED" : "DEAD",
					(i % 2 == 0) ? "c-" + (i % 50) : null, Timestamp.from(NOW), Timestamp.from(NOW),
					Timestamp.from(NOW) });
		}
		jdbc.batchUpdate("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'user.created', 'application/json', ?, ?)", events);
		jdbc.batchUpdate("insert into dispatch_delivery (event_id, handler, status, ordering_key, attempts, max_attempts, "
				+ "next_attempt_at, created_at, updated_at) values (?, 'crm', ?, ?, 10, 10, ?, ?, ?)", deliveries);
		long deadRows = jdbc.queryForObject("select count(*) from dispatch_delivery where status = 'DEAD'", Long.class);

		assertThat(service.replayAll(DeliveryStatus.DEAD, null).count()).isEqualTo((int) deadRows);
		assertThat(jdbc.queryForObject("select count(*) from dispatch_delivery where status = 'DEAD'", Long.class))
			.isZero();
		assertThat(jdbc.queryForObject("select count(*) from dispatch_delivery where status = 'PENDING' and "
				+ "attempts = 0 and next_attempt_at = ?", Long.class, Timestamp.from(NOW))).isEqualTo(deadRows);
		assertThat(jdbc.queryForObject("select count(*) from dispatch_delivery where status = 'SUCCEEDED'",
				Long.class)).isEqualTo(dead - deadRows);
		assertThat(service.replayAll(DeliveryStatus.DEAD, "crm").count()).isZero();
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aBulkDismissalEndsEveryDeadDeliveryOfItsHandlerABatchAtATimeThoseWithoutAnEventToo(String database) {
		DataSource dataSource = MigratedDatabase.of(database, "bulk_dismiss");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DispatchService service = service(dataSource, new OrderingLocks(new DeliveryRepository(jdbc)));
		insert(jdbc, "dead", DeliveryRepository.REPLAY_BATCH + 5, "DEAD", "crm");
		insert(jdbc, "other", 3, "DEAD", "lead");
		insert(jdbc, "done", 2, "SUCCEEDED", "crm");
		// Left by a purge of an older Relay (decision 0007): counted dead, and nothing else would end it.
		jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, next_attempt_at, "
				+ "created_at, updated_at) values ('purged', 'crm', 'DEAD', 10, 10, ?, ?, ?)", Timestamp.from(NOW),
				Timestamp.from(NOW), Timestamp.from(NOW));
		jdbc.update("update dispatch_delivery set last_error = 'gave up' where status = 'DEAD'");

		assertThat(service.dismissAll("crm", "ops")).isEqualTo(DeliveryRepository.REPLAY_BATCH + 6);

		assertThat(jdbc.queryForList("select handler || ' ' || status || ' ' || coalesce(last_error, '-') from "
				+ "dispatch_delivery group by handler, status, last_error", String.class))
			.containsExactlyInAnyOrder("crm SKIPPED dismissed by ops at " + NOW + "; it was dead: gave up",
					"crm SUCCEEDED -", "lead DEAD gave up");
		assertThat(service.dismissAll(null, "ops")).isEqualTo(3);
		assertThat(service.dismissAll(null, "ops")).isZero();
	}

	/**
	 * On H2, against this instance's planner (the same locks); on PostgreSQL, against another instance's (locks of
	 * its own: only the database's advisory lock stands between them).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aReplayWaitsWhileALaterDeliveryOfItsConversationIsBeingPlanned(String database) throws Exception {
		DataSource dataSource = MigratedDatabase.of(database, "replay_locks");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		long dead = DeliveryRepositoryTests.delivery(jdbc, "DEAD", 10, NOW, null);
		jdbc.update("update dispatch_delivery set ordering_key = 'c-1' where id = ?", dead);
		String eventId = jdbc.queryForObject("select event_id from dispatch_delivery where id = ?", String.class, dead);
		OrderingLocks planner = new OrderingLocks(new DeliveryRepository(jdbc));
		OrderingLocks replayer = database.equals("h2") ? planner : new OrderingLocks(new DeliveryRepository(jdbc));
		DispatchService service = service(dataSource, replayer);
		CountDownLatch planned = new CountDownLatch(1);
		CompletableFuture<Void> plannerTransaction = holding(dataSource, planner, "c-1", planned);

		CompletableFuture<Integer> replay = waitingForALock(database, jdbc, () -> service.replayEvent(eventId, null).count());
		assertThat(replay).isNotDone();
		assertThat(status(jdbc, dead)).isEqualTo("DEAD");

		planned.countDown();
		plannerTransaction.get(10, TimeUnit.SECONDS);
		assertThat(replay.get(10, TimeUnit.SECONDS)).isOne();
		assertThat(status(jdbc, dead)).isEqualTo("PENDING");
	}

	/**
	 * Another instance's claim has just taken a later delivery of the conversation (locked, not committed yet): the
	 * replay waits for it, so that the replayed delivery is then seen held up by the running one, rather than
	 * claimed beside it by a third instance that still reads the later one as a retry.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "dead", "all-dead" })
	void aReplayOnPostgresWaitsForAClaimOfALaterDeliveryOfItsConversation(String replay) throws Exception {
		DataSource dataSource = MigratedDatabase.of("postgres", "replay_claim_" + replay.replace('-', '_'));
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		long dead = DeliveryRepositoryTests.delivery(jdbc, "DEAD", 10, NOW, null);
		long retry = DeliveryRepositoryTests.delivery(jdbc, "FAILED", 3, NOW, null);
		jdbc.update("update dispatch_delivery set ordering_key = 'c-1' where id in (?, ?)", dead, retry);
		String eventId = jdbc.queryForObject("select event_id from dispatch_delivery where id = ?", String.class, dead);
		DispatchService service = service(dataSource, new OrderingLocks(new DeliveryRepository(jdbc)));
		DeliveryRepository.ClaimScope scope = new DeliveryRepository.ClaimScope(List.of("crm"), Instant.EPOCH,
				Instant.EPOCH);
		TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		CountDownLatch claimed = new CountDownLatch(1);
		CountDownLatch commit = new CountDownLatch(1);
		CompletableFuture<List<DeliveryRepository.Claimed>> claim = CompletableFuture.supplyAsync(
				() -> transactions.execute((status) -> {
					List<DeliveryRepository.Claimed> taken = new DeliveryRepository(jdbc).claim("other", scope, NOW,
							NOW.plus(Duration.ofMinutes(5)), 10);
					claimed.countDown();
					awaitQuietly(commit);
					return taken;
				}), THREAD_PER_TASK);
		assertThat(claimed.await(10, TimeUnit.SECONDS)).isTrue();

		CompletableFuture<Integer> replayed = CompletableFuture.supplyAsync(
				() -> replay.equals("dead") ? service.replayEvent(eventId, null).count()
						: service.replayAll(DeliveryStatus.DEAD, null).count(), THREAD_PER_TASK);
		await().atMost(Duration.ofSeconds(10))
			.until(() -> jdbc.queryForObject("select count(*) from pg_locks where not granted", Integer.class) > 0);
		assertThat(replayed).isNotDone();
		assertThat(status(jdbc, dead)).isEqualTo("DEAD");

		commit.countDown();
		assertThat(claim.get(10, TimeUnit.SECONDS)).extracting(DeliveryRepository.Claimed::id).containsExactly(retry);
		assertThat(replayed.get(10, TimeUnit.SECONDS)).isOne();
		assertThat(status(jdbc, dead)).isEqualTo("PENDING");
		// A third instance's claim now sees the later delivery running: the replayed one waits for it.
		List<DeliveryRepository.Claimed> third = transactions.execute((status) -> new DeliveryRepository(jdbc)
			.claim("third", scope, NOW, NOW.plus(Duration.ofMinutes(5)), 10));
		assertThat(third).isEmpty();
		assertThat(status(jdbc, dead)).isEqualTo("PENDING");
	}

	/** On H2 the same locks as this instance's planner; on PostgreSQL another instance's, as above. */
	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aBulkReplayLocksAFewConversationsAtATimeSoThatOneBusyConversationHoldsUpOnlyItsOwnBatch(String database)
			throws Exception {
		DataSource dataSource = MigratedDatabase.of(database, "replay_batches");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		int conversations = 4 * DispatchService.LOCKED_REPLAY_BATCH;
		for (int i = 0; i < conversations; i++) {
			long id = DeliveryRepositoryTests.delivery(jdbc, "DEAD", 10, NOW, null);
			jdbc.update("update dispatch_delivery set ordering_key = ? where id = ?", "c-" + i, id);
		}
		OrderingLocks planner = new OrderingLocks(new DeliveryRepository(jdbc));
		OrderingLocks replayer = database.equals("h2") ? planner : new OrderingLocks(new DeliveryRepository(jdbc));
		DispatchService service = service(dataSource, replayer);
		CountDownLatch planned = new CountDownLatch(1);
		// The planner holds the last conversation while an event of it is being stored.
		CompletableFuture<Void> plannerTransaction = holding(dataSource, planner, "c-" + (conversations - 1), planned);

		CompletableFuture<Integer> replay = CompletableFuture.supplyAsync(() -> service.replayAll(DeliveryStatus.DEAD,
				null).count(), THREAD_PER_TASK);
		// Every batch before the last one's is replayed meanwhile; one transaction for them all would wait whole.
		await().atMost(Duration.ofSeconds(20)).until(() -> pending(jdbc) == conversations
				- DispatchService.LOCKED_REPLAY_BATCH);
		assertThat(replay).isNotDone();

		planned.countDown();
		plannerTransaction.get(10, TimeUnit.SECONDS);
		assertThat(replay.get(10, TimeUnit.SECONDS)).isEqualTo(conversations);
		assertThat(pending(jdbc)).isEqualTo(conversations);
	}

	/** On H2 the same locks as this instance's planner; on PostgreSQL another instance's, as above. */
	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aBulkReplayReplaysOnlyTheDeliveriesInItsStatusWhenItStarted(String database) throws Exception {
		DataSource dataSource = MigratedDatabase.of(database, "replay_ceiling");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		insert(jdbc, "old", DeliveryRepository.REPLAY_BATCH, "SUCCEEDED", "crm");
		insert(jdbc, "waiting", 1, "PENDING", "crm");
		OrderingLocks planner = new OrderingLocks(new DeliveryRepository(jdbc));
		OrderingLocks replayer = database.equals("h2") ? planner : new OrderingLocks(new DeliveryRepository(jdbc));
		DispatchService service = service(dataSource, replayer);
		CountDownLatch planned = new CountDownLatch(1);
		// The planner holds the first delivery's conversation: the replay's first batch waits for it.
		CompletableFuture<Void> plannerTransaction = holding(dataSource, planner, "c-0", planned);
		CompletableFuture<Integer> replay = waitingForALock(database, jdbc,
				() -> service.replayAll(DeliveryStatus.SUCCEEDED, "crm").count());

		// Deliveries made, and finished, while the replay goes through the first thousand; and one that was waiting
		// when it started, finished since.
		insert(jdbc, "new", 5, "SUCCEEDED", "crm");
		jdbc.update("update dispatch_delivery set status = 'SUCCEEDED', updated_at = ? where event_id = 'waiting-0'",
				Timestamp.from(NOW.plusSeconds(1)));
		planned.countDown();
		plannerTransaction.get(10, TimeUnit.SECONDS);

		assertThat(replay.get(20, TimeUnit.SECONDS)).isEqualTo(DeliveryRepository.REPLAY_BATCH);
		assertThat(jdbc.queryForList("select distinct status from dispatch_delivery where event_id like 'new-%' or "
				+ "event_id = 'waiting-0'", String.class)).containsExactly("SUCCEEDED");
		assertThat(pending(jdbc)).isEqualTo(DeliveryRepository.REPLAY_BATCH);
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aReplayOfEveryHandlerSetsBackOnlyTheDeliveriesOfHandlersThatCanRunThem(String database) {
		DataSource dataSource = MigratedDatabase.of(database, "replay_runnable");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		// Three events, each with a dead delivery to: crm (here), paused (disabled here), elsewhere (another
		// instance's), gone (no instance's: a workflow switched off).
		insert(jdbc, "e", 3, "DEAD", "crm");
		for (String handler : List.of("paused", "elsewhere", "gone")) {
			jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, "
					+ "next_attempt_at, created_at, updated_at) select event_id, ?, 'DEAD', 10, 10, next_attempt_at, "
					+ "created_at, updated_at from dispatch_delivery where handler = 'crm'", handler);
		}
		DispatchService service = service(dataSource, new OrderingLocks(new DeliveryRepository(jdbc)));
		// Another instance, started since this one's last heartbeat, has 'elsewhere', and 'gone' and 'crm' disabled
		// (crm's deliveries it claims would end SKIPPED there); 'crm' is enabled here.
		jdbc.update("insert into dispatch_instance_handler (instance, handler, seen_at, applies_filter_at_run, "
				+ "handler_enabled) values ('relay-2', 'elsewhere', ?, true, true), ('relay-2', 'gone', ?, true, false)",
				Timestamp.from(NOW), Timestamp.from(NOW));
		jdbc.update("insert into dispatch_instance_handler (instance, handler, seen_at, applies_filter_at_run, "
				+ "handler_enabled) values ('relay-3', 'crm', ?, true, false)", Timestamp.from(NOW));
		// Other instances count on PostgreSQL only: on H2 (one process) there is none.
		boolean shared = database.equals("postgres");
		List<String> runnable = shared ? List.of("elsewhere") : List.of("crm");
		assertThat(service.isDisabled("paused")).isTrue();
		assertThat(service.isDisabled("crm")).isEqualTo(shared);
		assertThat(service.isDisabled("gone")).isEqualTo(shared);
		assertThat(service.isRunning("crm")).isTrue();
		assertThat(service.isRunning("paused")).isTrue();
		assertThat(service.isRunning("elsewhere")).isEqualTo(database.equals("postgres"));
		assertThat(service.isRunning("gone")).isFalse();

		Replayed oneEvent = service.replayEvent("e-0", null);
		assertThat(oneEvent.count()).isEqualTo(runnable.size());
		// The others' deliveries are left alone, and the result says why.
		List<Replayed.LeftAlone> leftAlone = shared
				? List.of(new Replayed.LeftAlone("crm", 1, Replayed.Reason.DISABLED),
						new Replayed.LeftAlone("gone", 1, Replayed.Reason.DISABLED),
						new Replayed.LeftAlone("paused", 1, Replayed.Reason.DISABLED))
				: List.of(new Replayed.LeftAlone("elsewhere", 1, Replayed.Reason.NOT_RUNNING),
						new Replayed.LeftAlone("gone", 1, Replayed.Reason.NOT_RUNNING),
						new Replayed.LeftAlone("paused", 1, Replayed.Reason.DISABLED));
		assertThat(oneEvent.leftAlone()).containsExactlyElementsOf(leftAlone);
		Replayed all = service.replayAll(DeliveryStatus.DEAD, null);
		assertThat(all.count()).isEqualTo(2 * runnable.size());
		assertThat(all.leftAlone()).containsExactlyElementsOf(leftAlone.stream()
			.map((left) -> new Replayed.LeftAlone(left.handler(), 3, left.reason()))
			.toList());
		assertThat(jdbc.queryForList("select distinct handler from dispatch_delivery where status = 'PENDING'",
				String.class)).containsExactlyInAnyOrderElementsOf(runnable);
		assertThat(pending(jdbc)).isEqualTo(3 * runnable.size());
		// Named, it is what was asked for (the admin API refuses it first).
		assertThat(service.replayAll(DeliveryStatus.DEAD, "paused").count()).isEqualTo(3);
	}

	/**
	 * {@code count} events {@code <prefix>-<i>}, each with a delivery to {@code handler} in {@code status}, in
	 * conversation {@code c-<i>}.
	 */
	private static void insert(JdbcTemplate jdbc, String prefix, int count, String status, String handler) {
		List<Object[]> events = new ArrayList<>();
		List<Object[]> deliveries = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			String eventId = prefix + "-" + i;
			events.add(new Object[] { eventId, "{}".getBytes(), Timestamp.from(NOW) });
			deliveries.add(new Object[] { eventId, handler, status, "c-" + i, Timestamp.from(NOW),
					Timestamp.from(NOW), Timestamp.from(NOW) });
		}
		jdbc.batchUpdate("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'user.created', 'application/json', ?, ?)", events);
		jdbc.batchUpdate("insert into dispatch_delivery (event_id, handler, status, ordering_key, attempts, max_attempts, "
				+ "next_attempt_at, created_at, updated_at) values (?, ?, ?, ?, 10, 10, ?, ?, ?)", deliveries);
	}

	/**
	 * A planner's transaction that holds the lock of one conversation (of handler {@code crm}) until {@code planned}
	 * counts down; returned once the lock is held.
	 */
	private static CompletableFuture<Void> holding(DataSource dataSource, OrderingLocks planner, String conversation,
			CountDownLatch planned) throws InterruptedException {
		CountDownLatch planning = new CountDownLatch(1);
		CompletableFuture<Void> transaction = CompletableFuture.runAsync(() -> {
			List<ReentrantLock> held = new ArrayList<>();
			try {
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)).executeWithoutResult((status) -> {
					planner.lock(List.of(DeliveryRepository.orderingLock("crm", conversation)), held);
					planning.countDown();
					awaitQuietly(planned);
				});
			}
			finally {
				OrderingLocks.unlock(held);
			}
		}, THREAD_PER_TASK);
		assertThat(planning.await(10, TimeUnit.SECONDS)).as("the planner holds the conversation's lock").isTrue();
		return transaction;
	}

	/**
	 * Starts {@code replay}, and returns once it waits for an ordering lock (not merely has not started yet): parked
	 * on H2's in-process lock, or waiting for the advisory lock on PostgreSQL.
	 */
	private static CompletableFuture<Integer> waitingForALock(String database, JdbcTemplate jdbc,
			Supplier<Integer> replay) {
		AtomicReference<Thread> replaying = new AtomicReference<>();
		CompletableFuture<Integer> replayed = CompletableFuture.supplyAsync(() -> {
			replaying.set(Thread.currentThread());
			return replay.get();
		}, THREAD_PER_TASK);
		await().atMost(Duration.ofSeconds(10)).until(() -> database.equals("h2")
				? replaying.get() != null && replaying.get().getState() == Thread.State.WAITING
				: jdbc.queryForObject("select count(*) from pg_locks where locktype = 'advisory' and not granted",
						Integer.class) > 0);
		return replayed;
	}

	private static long pending(JdbcTemplate jdbc) {
		return jdbc.queryForObject("select count(*) from dispatch_delivery where status = 'PENDING'", Long.class);
	}

	private static DispatchService service(DataSource dataSource, OrderingLocks locks) {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		DispatchProperties properties = TestDispatchProperties.of("unknown-handler-grace=1h",
				"handlers.paused.enabled=false");
		Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
		HandlerRegistry handlers = new HandlerRegistry(
				List.of(new DispatchWiring.Succeeding("crm"), new DispatchWiring.Succeeding("paused")), properties,
				new SimpleMeterRegistry(), clock);
		InstancePresence presence = new InstancePresence(jdbc, transactions, "relay-1", List.of("crm", "paused"),
				properties, clock);
		// Never started: a replay only wakes it.
		Dispatcher dispatcher = new Dispatcher(repository, transactions, null, presence, properties, clock);
		return new DispatchService(repository, dispatcher, clock, transactions, handlers, locks, presence);
	}

	private static String status(JdbcTemplate jdbc, long id) {
		return jdbc.queryForObject("select status from dispatch_delivery where id = ?", String.class, id);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(20, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
