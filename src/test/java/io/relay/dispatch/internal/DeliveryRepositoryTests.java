package io.relay.dispatch.internal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.relay.dispatch.DeliveryStatus;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The delivery table's guards, on both databases: which run may record its outcome or extend its lease, what a
 * claim whose commit failed hands back, and what the lag gauge reads.
 */
class DeliveryRepositoryTests {

	private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

	private static final String INSTANCE = "this-instance";

	private static final Duration LEASE = Duration.ofMinutes(5);

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void anEarlierRunOfADeliveryClaimedAgainCannotRecordItsOutcome(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// Claimed twice by this instance: the first run outlived its lease, the second claim is running.
		long id = delivery(jdbc, "RUNNING", 2, NOW, NOW.plus(Duration.ofMinutes(5)));

		repository.complete(List.of(completion(id, 1, DeliveryStatus.FAILED)), INSTANCE);
		assertThat(status(jdbc, id)).isEqualTo("RUNNING");

		repository.complete(List.of(completion(id, 2, DeliveryStatus.SUCCEEDED)), INSTANCE);
		assertThat(status(jdbc, id)).isEqualTo("SUCCEEDED");
		// Both runs are in the history; the first says its outcome was not applied.
		assertThat(jdbc.queryForList("select attempt || ' ' || outcome || ' ' || coalesce(error, '-') from "
				+ "dispatch_attempt where delivery_id = ? order by attempt", String.class, id))
			.containsExactly("1 FAILED not applied (the delivery was no longer this run's: its lease had expired, "
					+ "and it was claimed again or ended)", "2 SUCCEEDED -");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aRunFromBeforeAReplayCannotRecordItsOutcomeOverTheReplayedRun(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		Runs runs = replayedWhileARunHangs(jdbc, repository);

		// The hung run returns at last: a failure, which must not end (or set up for a retry) the run after it, nor
		// renew its lease.
		assertThat(repository.renewLease(runs.hung(), "claimer", runs.replayedAt().plus(LEASE))).isFalse();
		repository.complete(
				List.of(completionOf(runs.hung(), DeliveryStatus.FAILED, runs.replayedAt().plusSeconds(5))), "claimer");
		assertThat(row(jdbc, runs.id())).isEqualTo("RUNNING 1 claimer");

		repository.complete(List.of(completionOf(runs.again(), DeliveryStatus.SUCCEEDED,
				runs.replayedAt().plusSeconds(6))), "claimer");
		assertThat(row(jdbc, runs.id())).isEqualTo("SUCCEEDED 1 -");
		assertThat(jdbc.queryForList("select outcome || ' ' || coalesce(error, '-') from dispatch_attempt where "
				+ "delivery_id = ? order by finished_at", String.class, runs.id()))
			.containsExactly("DEAD the lease expired on the last attempt: the handler did not return (it hung, or its "
					+ "instance stopped or ran out of memory while it ran)", "FAILED not applied (the delivery was no "
					+ "longer this run's: its lease had expired, and it was claimed again or ended)", "SUCCEEDED -");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aRunFromBeforeAReplayAndTheReplayedRunEndingInOneBatchAreToldApart(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		Runs runs = replayedWhileARunHangs(jdbc, repository);

		repository.complete(List.of(
				completionOf(runs.hung(), DeliveryStatus.FAILED, runs.replayedAt().plusSeconds(5)),
				completionOf(runs.again(), DeliveryStatus.SUCCEEDED, runs.replayedAt().plusSeconds(6))), "claimer");

		assertThat(row(jdbc, runs.id())).isEqualTo("SUCCEEDED 1 -");
		assertThat(jdbc.queryForList("select outcome || ' ' || coalesce(error, '-') from dispatch_attempt where "
				+ "delivery_id = ? and outcome <> 'DEAD' order by finished_at", String.class, runs.id()))
			.containsExactly("FAILED not applied (the delivery was no longer this run's: its lease had expired, and "
					+ "it was claimed again or ended)", "SUCCEEDED -");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aRunEndedDeadByItsExpiredLeaseIsInTheHistoryAgainWhenItReturns(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		DeliveryRepository.Claimed hung = buriedWhileItsRunHangs(jdbc, repository);
		long id = hung.id();

		// It started in the millisecond of its claim (as a delivery of the intake's fast path can), the start the
		// row of its burial has too; it returns a minute after the burial.
		repository.complete(List.of(new DeliveryRepository.Completion(hung.id(), hung.attempt(), hung.claim(),
				DeliveryStatus.SUCCEEDED, null, null, NOW, BURIED_AT.plusSeconds(60), 60_000, false)), "claimer");

		assertThat(row(jdbc, id)).isEqualTo("DEAD 1 -");
		assertThat(jdbc.queryForList("select outcome from dispatch_attempt where delivery_id = ? order by finished_at",
				String.class, id)).containsExactly("DEAD", "SUCCEEDED");
	}

	/**
	 * A delivery allowed one attempt, whose run hangs in its handler: its lease expires, it is ended DEAD, an
	 * operator replays it, and this instance claims it again, to the same attempt number as the hung run.
	 */
	private static Runs replayedWhileARunHangs(JdbcTemplate jdbc, DeliveryRepository repository) {
		DeliveryRepository.Claimed hung = buriedWhileItsRunHangs(jdbc, repository);
		long id = hung.id();
		Instant replayed = BURIED_AT.plusSeconds(60);
		assertThat(repository.replayEvent(hung.eventId(), null, null, replayed)).isEqualTo(1);
		DeliveryRepository.Claimed again = claimAt(jdbc, repository, replayed).getFirst();
		assertThat(again.attempt()).isEqualTo(hung.attempt());
		assertThat(again.claim()).isEqualTo(hung.claim() + 1);
		return new Runs(id, hung, again, replayed);
	}

	/** When {@link #buriedWhileItsRunHangs} ends its delivery DEAD: a lease past the run's lease. */
	private static final Instant BURIED_AT = NOW.plus(LEASE.multipliedBy(2)).plusSeconds(1);

	/**
	 * A delivery allowed one attempt, claimed at {@code NOW}, whose run hangs in its handler: its lease expires, and
	 * it is ended DEAD at {@link #BURIED_AT}.
	 * @return the hung run's claim
	 */
	private static DeliveryRepository.Claimed buriedWhileItsRunHangs(JdbcTemplate jdbc,
			DeliveryRepository repository) {
		long id = delivery(jdbc, "PENDING", 0, NOW, null);
		jdbc.update("update dispatch_delivery set max_attempts = 1 where id = ?", id);
		DeliveryRepository.Claimed hung = claimAt(jdbc, repository, NOW).getFirst();
		assertThat(repository.buryAbandoned(BURIED_AT, BURIED_AT.minus(LEASE))).hasSize(1);
		return hung;
	}

	private record Runs(long id, DeliveryRepository.Claimed hung, DeliveryRepository.Claimed again,
			Instant replayedAt) {
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aDeliveryNotStartedWhileFencedIsHandedBackOnceByItsClaim(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		long id = delivery(jdbc, "RUNNING", 2, NOW, NOW.plus(LEASE));

		assertThat(repository.handBackRunning("another-instance", NOW, id, 2)).isZero();
		assertThat(repository.handBackRunning(INSTANCE, NOW, id, 1)).as("an earlier claim").isZero();
		assertThat(repository.handBackRunning(INSTANCE, NOW, id, 2)).isOne();
		assertThat(row(jdbc, id)).isEqualTo("PENDING 1 -");
		// Again (a retry after a lost answer, or a second thread): the attempt is not given back twice.
		assertThat(repository.handBackRunning(INSTANCE, NOW, id, 2)).isZero();
		assertThat(row(jdbc, id)).isEqualTo("PENDING 1 -");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aRunTakenOverWhenItsLeaseExpiredIsInTheHistory(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// Claimed a minute after NOW by an instance that died while it ran (attempt 2), another still running, and
		// one of a handler no running instance has, whose instance died too.
		Instant claimedAt = NOW.plusSeconds(60);
		long lost = delivery(jdbc, "RUNNING", 2, NOW, claimedAt.plus(LEASE));
		long alive = delivery(jdbc, "RUNNING", 1, NOW, NOW.plus(LEASE.multipliedBy(3)));
		long pending = delivery(jdbc, "PENDING", 0, NOW, null);
		long gone = delivery(jdbc, "RUNNING", 1, NOW, claimedAt.plus(LEASE));
		jdbc.update("update dispatch_delivery set handler = 'gone' where id = ?", gone);
		jdbc.update("update dispatch_delivery set updated_at = ? where id in (?, ?)", Timestamp.from(claimedAt), lost,
				gone);
		Instant after = claimedAt.plus(LEASE).plusSeconds(1);

		List<DeliveryRepository.Claimed> claimed = claimIn(jdbc, repository,
				new DeliveryRepository.ClaimScope(List.of("crm"), after, after), 10, after);

		assertThat(claimed).extracting(DeliveryRepository.Claimed::id)
			.containsExactlyInAnyOrder(lost, pending, gone);
		String error = " FAILED the lease expired: the handler did not return in time (it hung, or its instance "
				+ "stopped or ran out of memory while it ran); taken over by claimer";
		assertThat(jdbc.queryForList("select delivery_id || ':' || attempt || ' ' || instance || ' ' || outcome || ' ' "
				+ "|| error from dispatch_attempt order by delivery_id", String.class))
			.containsExactly(lost + ":2 " + INSTANCE + error, gone + ":1 " + INSTANCE + error);
		assertThat(jdbc.queryForList("select started_at from dispatch_attempt", Timestamp.class))
			.extracting(Timestamp::toInstant)
			.as("their claims")
			.containsOnly(claimedAt);
		assertThat(jdbc.queryForList("select finished_at from dispatch_attempt", Timestamp.class))
			.extracting(Timestamp::toInstant)
			.as("the takeover")
			.containsOnly(after);
		assertThat(row(jdbc, alive)).isEqualTo("RUNNING 1 " + INSTANCE);
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aBatchWrittenAgainAfterItsCommitWentThroughAddsNothingToTheHistory(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		long id = delivery(jdbc, "RUNNING", 1, NOW, NOW.plus(Duration.ofMinutes(5)));
		List<DeliveryRepository.Completion> batch = List.of(completion(id, 1, DeliveryStatus.SUCCEEDED));

		repository.complete(batch, INSTANCE);
		// The commit went through, its answer was lost: the dispatcher writes the batch again.
		repository.complete(batch, INSTANCE);

		assertThat(jdbc.queryForList("select attempt || ' ' || outcome || ' ' || coalesce(error, '-') from "
				+ "dispatch_attempt where delivery_id = ?", String.class, id)).containsExactly("1 SUCCEEDED -");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void eachCompletionOfABatchIsAppliedOrNotOnItsOwn(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		long reclaimed = delivery(jdbc, "RUNNING", 2, NOW, NOW.plus(Duration.ofMinutes(5)));
		long other = delivery(jdbc, "RUNNING", 1, NOW, NOW.plus(Duration.ofMinutes(5)));

		// In one batch: the stale run and the current one of the same delivery, and another delivery's run.
		repository.complete(List.of(completion(reclaimed, 1, DeliveryStatus.FAILED),
				completion(other, 1, DeliveryStatus.SUCCEEDED), completion(reclaimed, 2, DeliveryStatus.SUCCEEDED)),
				INSTANCE);

		assertThat(List.of(status(jdbc, reclaimed), status(jdbc, other))).containsExactly("SUCCEEDED", "SUCCEEDED");
		assertThat(jdbc.queryForList("select delivery_id || ':' || attempt || ' ' || coalesce(error, '-') from "
				+ "dispatch_attempt where delivery_id in (?, ?) order by delivery_id, attempt", String.class,
				reclaimed, other))
			.containsExactly(reclaimed + ":1 not applied (the delivery was no longer this run's: its lease had "
					+ "expired, and it was claimed again or ended)", reclaimed + ":2 -", other + ":1 -");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aLeaseIsRenewedOnlyForTheClaimThatHoldsIt(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		long id = delivery(jdbc, "RUNNING", 2, NOW, NOW.plus(Duration.ofMinutes(5)));
		Instant until = NOW.plus(Duration.ofMinutes(9));

		assertThat(repository.renewLease(claimed(id, 1), INSTANCE, until)).isFalse();
		assertThat(repository.renewLease(claimed(id, 2), "another-instance", until)).isFalse();
		assertThat(lockedUntil(jdbc, id)).isEqualTo(NOW.plus(Duration.ofMinutes(5)));

		assertThat(repository.renewLease(claimed(id, 2), INSTANCE, until)).isTrue();
		assertThat(lockedUntil(jdbc, id)).isEqualTo(until);
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aClaimWhoseCommitFailedHandsBackOnlyTheDeliveriesItLeased(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// Leases are stored to the millisecond.
		Instant until = NOW.plus(Duration.ofMinutes(5)).plusNanos(123_456_789);
		long leased = delivery(jdbc, "RUNNING", 3, NOW, until.truncatedTo(ChronoUnit.MILLIS));
		// Leased by an earlier claim of this instance.
		long earlier = delivery(jdbc, "RUNNING", 1, NOW, until.minusSeconds(1));
		// Left PENDING after two attempts by a graceful stop.
		long released = delivery(jdbc, "PENDING", 2, NOW, null);
		// Leased by another instance until the same time.
		long others = delivery(jdbc, "RUNNING", 1, NOW, until.truncatedTo(ChronoUnit.MILLIS));
		jdbc.update("update dispatch_delivery set locked_by = 'another-instance' where id = ?", others);

		assertThat(repository.handBackClaim(INSTANCE, until, NOW.plusSeconds(1),
				List.of(leased, earlier, released, others)))
			.isOne();

		assertThat(row(jdbc, leased)).isEqualTo("PENDING 2 -");
		assertThat(row(jdbc, earlier)).isEqualTo("RUNNING 1 " + INSTANCE);
		assertThat(row(jdbc, released)).isEqualTo("PENDING 2 -");
		assertThat(row(jdbc, others)).isEqualTo("RUNNING 1 another-instance");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void unstartedDeliveriesAreHandedBackWithTheirAttemptOnlyWhileThatClaimIsTheirLast(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		Instant until = NOW.plus(LEASE);
		// Inserted claimed by this instance, never started (its commit's answer was lost, or Relay was stopping).
		long inserted = delivery(jdbc, "RUNNING", 1, NOW, until);
		// The same, already handed back by a graceful stop that did not know it had not started.
		long released = delivery(jdbc, "PENDING", 1, NOW, null);
		// Handed back by the stop, replayed since: no attempt to give back.
		long replayed = delivery(jdbc, "PENDING", 0, NOW, null);
		jdbc.update("update dispatch_delivery set claims = 1 where id = ?", replayed);
		// Handed back by the stop, then claimed by another instance, which stopped too: its attempt counts.
		long claimedByAnother = delivery(jdbc, "PENDING", 2, NOW, null);
		// Its lease expired, and this instance's own claimer took it over: it is running, its attempt counts.
		long takenOver = delivery(jdbc, "RUNNING", 2, NOW, until);

		assertThat(repository.handBackUnstarted(INSTANCE, NOW.plusSeconds(1),
				List.of(inserted, released, replayed, claimedByAnother, takenOver), 1))
			.isEqualTo(2);

		assertThat(row(jdbc, inserted)).isEqualTo("PENDING 0 -");
		assertThat(row(jdbc, released)).isEqualTo("PENDING 0 -");
		assertThat(row(jdbc, replayed)).isEqualTo("PENDING 0 -");
		assertThat(row(jdbc, claimedByAnother)).isEqualTo("PENDING 2 -");
		assertThat(row(jdbc, takenOver)).isEqualTo("RUNNING 2 " + INSTANCE);

		// The claimer's second claim of a delivery, not started (the workers had shut down): handed back by it.
		assertThat(repository.handBackUnstarted(INSTANCE, NOW.plusSeconds(2), List.of(takenOver), 2)).isOne();
		assertThat(row(jdbc, takenOver)).isEqualTo("PENDING 1 -");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aStopLeavesADeliveryStillInAHandlerToItsLeaseEvenIfAnEarlierClaimOfItNeverStarted(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// Claimed, waited for a worker past its lease, claimed again by this instance: the second run ignored the
		// stop's interrupt and is still in its handler; the first never started.
		long stillRunning = delivery(jdbc, "RUNNING", 2, NOW, NOW.plus(LEASE));
		long notStarted = delivery(jdbc, "RUNNING", 1, NOW, NOW.plus(LEASE));

		assertThat(repository.release(INSTANCE, NOW.plusSeconds(1), List.of(stillRunning, notStarted),
				List.of(stillRunning)))
			.isOne();

		assertThat(row(jdbc, stillRunning)).isEqualTo("RUNNING 2 " + INSTANCE);
		assertThat(row(jdbc, notStarted)).isEqualTo("PENDING 0 -");
	}

	@Test
	void aClaimHandedBackWhileItsTransactionStillHoldsTheRowsLeavesThemToTheirLease() throws Exception {
		JdbcTemplate jdbc = database("postgres");
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		Instant until = NOW.plus(Duration.ofMinutes(5));
		long leased = delivery(jdbc, "RUNNING", 1, NOW, until);
		// The claim's transaction, still open on the server (its COMMIT never arrived), in a session of its own.
		DriverManagerDataSource source = (DriverManagerDataSource) jdbc.getDataSource();
		try (Connection claim = DriverManager.getConnection(source.getUrl(), source.getUsername(),
				source.getPassword())) {
			claim.setAutoCommit(false);
			try (Statement lock = claim.createStatement()) {
				lock.execute("select id from dispatch_delivery where id = " + leased + " for update");
			}

			CompletableFuture<Integer> handBack = CompletableFuture
				.supplyAsync(() -> repository.handBackClaim(INSTANCE, until, NOW, List.of(leased)));

			assertThat(handBack.get(20, TimeUnit.SECONDS)).as("no wait for the open transaction").isZero();
			claim.rollback();
		}
		assertThat(row(jdbc, leased)).isEqualTo("RUNNING 1 " + INSTANCE);
	}

	@Test
	void claimsOnSeveralConnectionsAtOnceTakeEachDeliveryOnce() throws Exception {
		// Several instances' claimers on one PostgreSQL, at the same moment, over one backlog.
		JdbcTemplate jdbc = database("postgres");
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		Set<Long> backlog = new HashSet<>();
		for (int i = 0; i < 300; i++) {
			backlog.add(delivery(jdbc, "PENDING", 0, NOW, null));
		}
		CountDownLatch start = new CountDownLatch(1);
		List<Future<List<Long>>> claimers = new ArrayList<>();
		try (ExecutorService threads = Executors.newFixedThreadPool(6)) {
			for (int c = 0; c < 6; c++) {
				claimers.add(threads.submit(() -> {
					start.await();
					List<Long> mine = new ArrayList<>();
					List<DeliveryRepository.Claimed> claimed;
					while (!(claimed = claimIn(jdbc, repository, new DeliveryRepository.ClaimScope(List.of("crm"),
							NOW.minus(Duration.ofHours(1)), NOW.minus(Duration.ofHours(1))), 7)).isEmpty()) {
						claimed.forEach((delivery) -> mine.add(delivery.id()));
					}
					return mine;
				}));
			}
			start.countDown();
		}
		List<Long> all = new ArrayList<>();
		int claimersThatGotSome = 0;
		for (Future<List<Long>> claimer : claimers) {
			List<Long> mine = claimer.get();
			all.addAll(mine);
			claimersThatGotSome += mine.isEmpty() ? 0 : 1;
		}
		assertThat(all).as("no delivery claimed twice").doesNotHaveDuplicates();
		assertThat(new HashSet<>(all)).as("every delivery claimed").isEqualTo(backlog);
		assertThat(claimersThatGotSome).as("the claimers ran at the same time").isGreaterThan(1);
		assertThat(jdbc.queryForObject("select count(*) from dispatch_delivery where status = 'RUNNING' and "
				+ "claims = 1", Integer.class)).isEqualTo(backlog.size());
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void theLagIsHowLongTheLongestWaitingDueDeliveryHasWaited(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// Created weeks ago but replayed now, or waiting for a retry later: not lagging.
		delivery(jdbc, "PENDING", 0, NOW, null, NOW.minus(Duration.ofDays(21)));
		delivery(jdbc, "FAILED", 3, NOW.plus(Duration.ofMinutes(30)), null, NOW.minus(Duration.ofHours(5)));
		assertThat(repository.stats(NOW).oldestPendingAgeSeconds()).isZero();
		assertThat(repository.stats(NOW).backlog()).isEqualTo(2);

		delivery(jdbc, "FAILED", 1, NOW.minus(Duration.ofMinutes(2)), null, NOW.minus(Duration.ofHours(1)));
		assertThat(repository.stats(NOW).oldestPendingAgeSeconds()).isEqualTo(120.0);
		// A lease that expired 7 minutes ago: its instance died.
		delivery(jdbc, "RUNNING", 1, NOW.minus(Duration.ofMinutes(20)), NOW.minus(Duration.ofMinutes(7)),
				NOW.minus(Duration.ofMinutes(20)));
		assertThat(repository.stats(NOW).oldestPendingAgeSeconds()).isEqualTo(420.0);
		delivery(jdbc, "PENDING", 0, NOW.minus(Duration.ofMinutes(11)), null, NOW.minus(Duration.ofMinutes(11)));
		assertThat(repository.stats(NOW).oldestPendingAgeSeconds()).isEqualTo(660.0);
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aReplayedDeliveryWaitsWhileALaterOneOfItsConversationRunsThenGoesBeforeTheLaterOnesWaiting(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// One conversation: the first delivery was dead after ten attempts and is replayed, the second runs, the
		// third waits.
		long replayed = replayed(jdbc);
		long running = delivery(jdbc, "RUNNING", 1, NOW, NOW.plus(Duration.ofMinutes(5)));
		long waiting = delivery(jdbc, "PENDING", 0, NOW, null);
		jdbc.update("update dispatch_delivery set ordering_key = 'c-1' where id in (?, ?, ?)", replayed, running,
				waiting);

		assertThat(claimIn(jdbc, repository)).as("one delivery of a conversation runs at a time").isEmpty();

		repository.complete(List.of(completion(running, 1, DeliveryStatus.SUCCEEDED)), INSTANCE);
		List<DeliveryRepository.Claimed> claimed = claimIn(jdbc, repository);
		assertThat(claimed).extracting(DeliveryRepository.Claimed::id).containsExactly(replayed);
		repository.complete(List.of(completionOf(claimed.getFirst(), DeliveryStatus.SUCCEEDED, NOW)), "claimer");
		assertThat(claimIn(jdbc, repository)).extracting(DeliveryRepository.Claimed::id).containsExactly(waiting);
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void theClaimsUpdateTakesNoDeliveryThatAnEarlierOneOfItsConversationHoldsUp(String database) {
		JdbcTemplate jdbc = database(database);
		// The claim read the later delivery from its range of due retries; then the earlier one, replayed meanwhile,
		// from its range of new deliveries: the two ids reach the update together.
		long replayed = replayed(jdbc);
		long retry = delivery(jdbc, "FAILED", 3, NOW, null);
		jdbc.update("update dispatch_delivery set ordering_key = 'c-1' where id in (?, ?)", replayed, retry);
		MapSqlParameterSource params = new MapSqlParameterSource("ids", List.of(replayed, retry))
			.addValue("instance", INSTANCE)
			.addValue("until", Timestamp.from(NOW.plus(LEASE)))
			.addValue("now", Timestamp.from(NOW));

		int taken = new NamedParameterJdbcTemplate(jdbc).update(DeliveryRepository.CLAIM_UPDATE, params);

		assertThat(taken).as("one delivery of a conversation runs at a time").isOne();
		assertThat(status(jdbc, replayed)).isEqualTo("RUNNING");
		assertThat(status(jdbc, retry)).isEqualTo("FAILED");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aLaterDeliveryWhoseLeaseExpiredDoesNotHoldBackAnEarlierOne(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// The later one's instance died: it waits for the earlier one (replayed meanwhile), which must not wait for
		// it in turn, or neither would ever run.
		long replayed = replayed(jdbc);
		long abandoned = delivery(jdbc, "RUNNING", 1, NOW, NOW.minus(Duration.ofSeconds(1)));
		jdbc.update("update dispatch_delivery set ordering_key = 'c-1' where id in (?, ?)", replayed, abandoned);

		List<DeliveryRepository.Claimed> claimed = claimIn(jdbc, repository);
		assertThat(claimed).extracting(DeliveryRepository.Claimed::id).containsExactly(replayed);
		repository.complete(List.of(completionOf(claimed.getFirst(), DeliveryStatus.SUCCEEDED, NOW)), "claimer");
		assertThat(claimIn(jdbc, repository)).extracting(DeliveryRepository.Claimed::id).containsExactly(abandoned);
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aDeliveryWhoseLeaseExpiredOnItsLastAttemptIsNotClaimedAgainButEndsDead(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// Its handler never returned: the lease ran out on attempt 10 of 10, and on attempt 3 of 10 for the other.
		long last = delivery(jdbc, "RUNNING", 10, NOW, NOW.minus(Duration.ofMinutes(1)));
		long earlier = delivery(jdbc, "RUNNING", 3, NOW, NOW.minus(Duration.ofMinutes(1)));
		long leased = delivery(jdbc, "RUNNING", 10, NOW, NOW.plus(Duration.ofMinutes(1)));

		assertThat(claimIn(jdbc, repository)).extracting(DeliveryRepository.Claimed::id).containsExactly(earlier);
		assertThat(status(jdbc, last)).isEqualTo("RUNNING");

		// A lease's grace first: expired a minute ago, within it (a claim that waited, a slow handler may still end).
		assertThat(repository.buryAbandoned(NOW, NOW.minus(Duration.ofMinutes(5)))).isEmpty();
		assertThat(status(jdbc, last)).isEqualTo("RUNNING");
		assertThat(repository.buryAbandoned(NOW, NOW)).hasSize(1);
		assertThat(jdbc.queryForMap("select status, attempts, locked_by, last_error from dispatch_delivery where id = ?",
				last))
			.containsEntry(database.equals("h2") ? "STATUS" : "status", "DEAD")
			.containsEntry(database.equals("h2") ? "ATTEMPTS" : "attempts", 10)
			.containsEntry(database.equals("h2") ? "LOCKED_BY" : "locked_by", null);
		assertThat(jdbc.queryForObject("select last_error from dispatch_delivery where id = ?", String.class, last))
			.startsWith("the lease expired on the last attempt");
		assertThat(jdbc.queryForList("select outcome from dispatch_attempt where delivery_id = ? and attempt = 10",
				String.class, last)).containsExactly("DEAD");
		assertThat(status(jdbc, leased)).isEqualTo("RUNNING");
		assertThat(repository.buryAbandoned(NOW, NOW)).isEmpty();
	}

	@Test
	void orderingKeysAreLockedAcrossConnectionsUntilTheTransactionEnds() {
		JdbcTemplate jdbc = database("postgres");
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// Another session: a data source of its own (the same one would join the transaction's connection).
		DriverManagerDataSource source = (DriverManagerDataSource) jdbc.getDataSource();
		JdbcTemplate other = new JdbcTemplate(
				new DriverManagerDataSource(source.getUrl(), source.getUsername(), source.getPassword()));
		List<String> keys = List.of(DeliveryRepository.orderingLock("log", "c-2"),
				DeliveryRepository.orderingLock("log", "c-1"), DeliveryRepository.orderingLock("log", "c-2"));
		String tryLock = "select pg_try_advisory_xact_lock(hashtext(?))";

		new org.springframework.transaction.support.TransactionTemplate(
				new org.springframework.jdbc.support.JdbcTransactionManager(jdbc.getDataSource()))
			.executeWithoutResult((status) -> {
				repository.lockOrderingKeys(keys);
				// Another session cannot take them meanwhile.
				for (String key : keys) {
					assertThat(other.queryForObject(tryLock, Boolean.class, key)).as(key).isFalse();
				}
				assertThat(other.queryForObject(tryLock, Boolean.class, DeliveryRepository.orderingLock("log", "c-3")))
					.isTrue();
			});

		for (String key : keys) {
			assertThat(other.queryForObject(tryLock, Boolean.class, key)).as(key).isTrue();
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aDeliveryForAHandlerThisInstanceDoesNotHaveIsLeftToOthersUntilNoneTookItForTheGrace(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// Due for ten minutes, for 'crm': new, to retry, and claimed by an instance that died.
		List<Long> due = dueForTenMinutes(jdbc);

		// An instance without 'crm' (a rolling upgrade that adds it): left to the instances that have it.
		assertThat(claimIn(jdbc, repository, List.of("log"), NOW.minus(Duration.ofHours(1)))).isEmpty();
		assertThat(claimIn(jdbc, repository, List.of(), NOW.minus(Duration.ofHours(1)))).isEmpty();
		assertThat(due.stream().map((id) -> status(jdbc, id))).containsExactly("PENDING", "FAILED", "RUNNING");

		// Nor by an instance that cannot tell whether one that has 'crm' runs (its own heartbeats fail, or it has
		// just started).
		assertThat(claimIn(jdbc, repository, new DeliveryRepository.ClaimScope(List.of("log"), Instant.EPOCH,
				NOW.minus(Duration.ofMinutes(5))))).isEmpty();

		// No instance took them within a grace of five minutes, and none that has 'crm' is running: this one
		// takes them (to skip).
		assertThat(claimIn(jdbc, repository, List.of("log"), NOW.minus(Duration.ofMinutes(5))))
			.extracting(DeliveryRepository.Claimed::id)
			.containsExactlyInAnyOrderElementsOf(due);
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aDeliveryForAHandlerOfARunningInstanceIsLeftToItPastTheGrace(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// Due for ten minutes, for 'crm' (ordered behind a failing one, or a backlog on the upgraded instance).
		List<Long> due = dueForTenMinutes(jdbc);
		heartbeat(jdbc, "upgraded", "crm", NOW.minus(Duration.ofMinutes(4)));
		heartbeat(jdbc, "upgraded", "log", NOW.minus(Duration.ofMinutes(4)));
		heartbeat(jdbc, "gone", "crm", NOW.minus(Duration.ofMinutes(6)));
		DeliveryRepository.ClaimScope grace = new DeliveryRepository.ClaimScope(List.of("log"),
				NOW.minus(Duration.ofMinutes(5)), NOW.minus(Duration.ofMinutes(5)));

		// An instance that has 'crm' wrote a heartbeat within the grace: it is running, and will run them.
		assertThat(claimIn(jdbc, repository, grace)).isEmpty();
		assertThat(due.stream().map((id) -> status(jdbc, id))).containsExactly("PENDING", "FAILED", "RUNNING");

		// Its last heartbeat is older than the grace: gone, like the other one; this instance takes them to skip.
		jdbc.update("update dispatch_instance_handler set seen_at = ? where instance = 'upgraded'",
				Timestamp.from(NOW.minus(Duration.ofMinutes(5)).minusMillis(1)));
		assertThat(claimIn(jdbc, repository, grace)).extracting(DeliveryRepository.Claimed::id)
			.containsExactlyInAnyOrderElementsOf(due);
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aClaimTakesItsOwnHandlersDeliveriesFirstAndOthersOnlyWithRoomLeft(String database) {
		JdbcTemplate jdbc = database(database);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		// For 'crm', which no running instance has, due for ten minutes (to skip); for 'log', this instance's,
		// due now: due later, but first (a backlog of its own never pays for the look at the others).
		long other = delivery(jdbc, "PENDING", 0, NOW.minus(Duration.ofMinutes(10)), null);
		long own = delivery(jdbc, "PENDING", 0, NOW, null);
		jdbc.update("update dispatch_delivery set handler = 'log' where id = ?", own);
		DeliveryRepository.ClaimScope scope = new DeliveryRepository.ClaimScope(List.of("log"),
				NOW.minus(Duration.ofMinutes(5)), NOW.minus(Duration.ofMinutes(5)));

		assertThat(claimIn(jdbc, repository, scope, 1)).extracting(DeliveryRepository.Claimed::id)
			.containsExactly(own);
		assertThat(claimIn(jdbc, repository, scope, 1)).extracting(DeliveryRepository.Claimed::id)
			.containsExactly(other);
	}

	/** Deliveries due for ten minutes: new, to retry, and claimed by an instance that died. */
	private static List<Long> dueForTenMinutes(JdbcTemplate jdbc) {
		Instant due = NOW.minus(Duration.ofMinutes(10));
		return List.of(delivery(jdbc, "PENDING", 0, due, null), delivery(jdbc, "FAILED", 2, due, null),
				delivery(jdbc, "RUNNING", 1, due, due));
	}

	private static void heartbeat(JdbcTemplate jdbc, String instance, String handler, Instant seenAt) {
		jdbc.update("insert into dispatch_instance_handler (instance, handler, seen_at) values (?, ?, ?)", instance,
				handler, Timestamp.from(seenAt));
	}

	private static List<DeliveryRepository.Claimed> claimIn(JdbcTemplate jdbc, DeliveryRepository repository) {
		return claimIn(jdbc, repository, List.of("crm"), NOW.minus(Duration.ofHours(1)));
	}

	private static List<DeliveryRepository.Claimed> claimIn(JdbcTemplate jdbc, DeliveryRepository repository,
			List<String> handlers, Instant othersBefore) {
		return claimIn(jdbc, repository, new DeliveryRepository.ClaimScope(handlers, othersBefore, othersBefore));
	}

	private static List<DeliveryRepository.Claimed> claimIn(JdbcTemplate jdbc, DeliveryRepository repository,
			DeliveryRepository.ClaimScope scope) {
		return claimIn(jdbc, repository, scope, 10);
	}

	private static List<DeliveryRepository.Claimed> claimIn(JdbcTemplate jdbc, DeliveryRepository repository,
			DeliveryRepository.ClaimScope scope, int limit) {
		return claimIn(jdbc, repository, scope, limit, NOW);
	}

	/** Claims as instance "claimer" at {@code now}, leased for {@link #LEASE}. */
	private static List<DeliveryRepository.Claimed> claimIn(JdbcTemplate jdbc, DeliveryRepository repository,
			DeliveryRepository.ClaimScope scope, int limit, Instant now) {
		return new org.springframework.transaction.support.TransactionTemplate(
				new org.springframework.jdbc.support.JdbcTransactionManager(jdbc.getDataSource()))
			.execute((status) -> repository.claim("claimer", scope, now, now.plus(LEASE), limit));
	}

	/** Claims deliveries of 'crm' at {@code now}, none of other handlers. */
	private static List<DeliveryRepository.Claimed> claimAt(JdbcTemplate jdbc, DeliveryRepository repository,
			Instant now) {
		return claimIn(jdbc, repository, new DeliveryRepository.ClaimScope(List.of("crm"), Instant.EPOCH,
				Instant.EPOCH), 10, now);
	}

	/** What the run of {@code claimed} records when it ends at {@code finishedAt}, a second after it started. */
	private static DeliveryRepository.Completion completionOf(DeliveryRepository.Claimed claimed,
			DeliveryStatus status, Instant finishedAt) {
		return new DeliveryRepository.Completion(claimed.id(), claimed.attempt(), claimed.claim(), status,
				(status == DeliveryStatus.FAILED) ? finishedAt.plusSeconds(10) : null, null,
				finishedAt.minusSeconds(1), finishedAt, 1000, false);
	}

	private static JdbcTemplate database(String database) {
		return new JdbcTemplate(MigratedDatabase.of(database, "deliveries"));
	}

	static long delivery(JdbcTemplate jdbc, String status, int attempts, Instant nextAttemptAt,
			Instant lockedUntil) {
		return delivery(jdbc, status, attempts, nextAttemptAt, lockedUntil, NOW);
	}

	private static long delivery(JdbcTemplate jdbc, String status, int attempts, Instant nextAttemptAt,
			Instant lockedUntil, Instant createdAt) {
		String eventId = UUID.randomUUID().toString();
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'user.created', 'application/json', ?, ?)", eventId, "{}".getBytes(), Timestamp.from(createdAt));
		// Claimed once per attempt (no replay, no hand-back): the claim count is the attempt number.
		jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, claims, max_attempts, "
				+ "next_attempt_at, locked_by, locked_until, created_at, updated_at) values (?, 'crm', ?, ?, ?, 10, ?, "
				+ "?, ?, ?, ?)", eventId, status, attempts, attempts, Timestamp.from(nextAttemptAt),
				(lockedUntil != null) ? INSTANCE : null, (lockedUntil != null) ? Timestamp.from(lockedUntil) : null,
				Timestamp.from(createdAt), Timestamp.from(createdAt));
		return jdbc.queryForObject("select id from dispatch_delivery where event_id = ?", Long.class, eventId);
	}

	/** A delivery that was dead after ten attempts, replayed: back to its first attempt, its claims counted on. */
	private static long replayed(JdbcTemplate jdbc) {
		long id = delivery(jdbc, "PENDING", 0, NOW, null);
		jdbc.update("update dispatch_delivery set claims = 10 where id = ?", id);
		return id;
	}

	private static DeliveryRepository.Completion completion(long id, int attempt, DeliveryStatus status) {
		return new DeliveryRepository.Completion(id, attempt, attempt, status,
				(status == DeliveryStatus.FAILED) ? NOW.plusSeconds(10) : null, null, NOW, NOW.plusMillis(5), 5, false);
	}

	private static DeliveryRepository.Claimed claimed(long id, int attempt) {
		return new DeliveryRepository.Claimed(id, "e", "crm", attempt, attempt, 10, "application/json", new byte[0], NOW,
				false, null);
	}

	private static String row(JdbcTemplate jdbc, long id) {
		return jdbc.queryForObject("select status || ' ' || attempts || ' ' || coalesce(locked_by, '-') from "
				+ "dispatch_delivery where id = ?", String.class, id);
	}

	private static String status(JdbcTemplate jdbc, long id) {
		return jdbc.queryForObject("select status from dispatch_delivery where id = ?", String.class, id);
	}

	private static Instant lockedUntil(JdbcTemplate jdbc, long id) {
		return jdbc.queryForObject("select locked_until from dispatch_delivery where id = ?", Timestamp.class, id)
			.toInstant()
			.truncatedTo(ChronoUnit.MILLIS);
	}

}
