package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import ch.qos.logback.classic.Level;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.LogRecorder;
import io.relay.support.MigratedDatabase;
import io.relay.support.MutableClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deliveries of an instance whose heartbeats stopped (crashed, killed, cut off from the database) are taken over
 * once it has been silent for {@code relay.dispatch.instance-timeout}, rather than when their lease of minutes ends;
 * those of a running instance, and those claimed since, are left alone.
 */
class SilentInstancesTests {

	private static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

	private static final Duration LEASE = Duration.ofMinutes(5);

	private static final Duration SILENCE = Duration.ofMinutes(1);

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void onlyTheRunsOfInstancesSilentSinceTheirClaimAreEnded(String database) {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.of(database, "silent_instances"));
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		heartbeat(jdbc, "crashed", NOW.minus(SILENCE).minusSeconds(1));
		heartbeat(jdbc, "alive", NOW.minusSeconds(5));
		Instant claimedLongAgo = NOW.minus(SILENCE).minusSeconds(30);
		long crashed = running(jdbc, "crashed", 2, claimedLongAgo, NOW.plus(LEASE));
		long crashedLastAttempt = running(jdbc, "crashed", 10, claimedLongAgo, NOW.plus(LEASE));
		long crashedLeaseOver = running(jdbc, "crashed", 1, claimedLongAgo, NOW.minusSeconds(1));
		long alive = running(jdbc, "alive", 1, claimedLongAgo, NOW.plus(LEASE));
		// A silent instance's run claimed within the silence (it did not wait that long, not at once after a heartbeat);
		// an instance with no heartbeat on record (a build without them, one with no handler, one whose every
		// heartbeat failed), left to its leases; and this instance's own run, whatever its heartbeats say.
		long claimedJustNow = running(jdbc, "crashed", 1, NOW.minusSeconds(10), NOW.plus(LEASE));
		long rowless = running(jdbc, "rowless", 1, claimedLongAgo, NOW.plus(LEASE));
		long own = running(jdbc, "this-instance", 1, claimedLongAgo, NOW.plus(LEASE));

		Map<String, List<Long>> ended = new TransactionTemplate(
				new DataSourceTransactionManager(jdbc.getDataSource()))
			.execute((status) -> repository.endLeasesOfSilentInstances("this-instance", NOW, NOW.minus(SILENCE)));

		assertThat(ended).containsOnlyKeys("crashed");
		assertThat(ended.get("crashed")).containsExactlyInAnyOrder(crashed, crashedLastAttempt);
		assertThat(lockedUntil(jdbc, crashed)).isEqualTo(NOW);
		assertThat(lockedUntil(jdbc, crashedLastAttempt)).isEqualTo(NOW);
		assertThat(lockedUntil(jdbc, crashedLeaseOver)).isEqualTo(NOW.minusSeconds(1));
		for (long untouched : List.of(alive, claimedJustNow, rowless, own)) {
			assertThat(lockedUntil(jdbc, untouched)).as("delivery %d", untouched).isEqualTo(NOW.plus(LEASE));
		}
		// Still the crashed instance's: its lease has ended, and the next claim takes it over, recording the lost run.
		assertThat(jdbc.queryForObject("select status || ' ' || locked_by from dispatch_delivery where id = ?",
				String.class, crashed)).isEqualTo("RUNNING crashed");
		Instant later = NOW.plusMillis(500);
		List<DeliveryRepository.Claimed> claimed = new TransactionTemplate(
				new DataSourceTransactionManager(jdbc.getDataSource()))
			.execute((status) -> repository.claim("this-instance",
					new DeliveryRepository.ClaimScope(List.of("crm"), Instant.EPOCH, Instant.EPOCH), later,
					later.plus(LEASE), 10));
		assertThat(claimed).extracting(DeliveryRepository.Claimed::id)
			.containsExactlyInAnyOrder(crashed, crashedLeaseOver);
		assertThat(jdbc.queryForObject("select attempt || ' ' || instance || ' ' || outcome from dispatch_attempt "
				+ "where delivery_id = ?", String.class, crashed)).isEqualTo("2 crashed FAILED");
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void anInstanceJudgesOthersOnlyAfterThreeHeartbeatsOfItsOwn(String database) {
		DataSource dataSource = MigratedDatabase.of(database, "silent_judge");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		MutableClock clock = new MutableClock(NOW);
		DispatchProperties properties = TestDispatchProperties.of("lease=" + LEASE, "instance-timeout=" + SILENCE,
				"heartbeat-interval=10s");
		// The database was out of reach for everyone: the other instance's last heartbeat is old, but it is running
		// and writes its next one within an interval of the database's return.
		heartbeat(jdbc, "other", NOW.minus(Duration.ofMinutes(3)));
		long others = running(jdbc, "other", 1, NOW.minus(Duration.ofMinutes(4)), NOW.plus(LEASE));
		InstancePresence presence = new InstancePresence(jdbc, transactions, "this-instance", List.of("crm"),
				properties, clock);
		AbandonedDeliveries abandoned = new AbandonedDeliveries(new DeliveryRepository(jdbc), properties,
				transactions, new DispatchMetrics(new SimpleMeterRegistry(), new DeliveryRepository(jdbc), clock),
				presence, clock);

		try (LogRecorder log = LogRecorder.of(AbandonedDeliveries.class, Level.WARN)) {
			presence.beat();
			for (int beat = 1; beat <= 2; beat++) {
				clock.advance(Duration.ofSeconds(10));
				presence.beat();
				abandoned.endLeasesOfSilentInstances();
				assertThat(lockedUntil(jdbc, others)).as("after %d heartbeats", beat + 1).isEqualTo(NOW.plus(LEASE));
			}
			clock.advance(Duration.ofSeconds(10));
			presence.beat();
			abandoned.endLeasesOfSilentInstances();

			assertThat(lockedUntil(jdbc, others)).isEqualTo(clock.instant());
			assertThat(log.messages(Level.WARN)).singleElement()
				.asString()
				.startsWith("Instance other has written no heartbeat for PT1M or more (it stopped, or lost the database)")
				.endsWith("the 1 deliveries it was running are taken over now rather than when their lease ends: ids ["
						+ others + "]");
		}
	}

	/** Never less than four heartbeats, whatever the timeout says. */
	@ParameterizedTest
	@ValueSource(strings = { "1s", "39s" })
	void theSilenceIsFourHeartbeatsAtLeast(String timeout) {
		assertThat(TestDispatchProperties.of("instance-timeout=" + timeout, "heartbeat-interval=10s").silence())
			.isEqualTo(Duration.ofSeconds(40));
		assertThat(TestDispatchProperties.of().silence()).isEqualTo(Duration.ofMinutes(1));
	}

	private static void heartbeat(JdbcTemplate jdbc, String instance, Instant seenAt) {
		jdbc.update("insert into dispatch_instance_handler (instance, handler, seen_at) values (?, 'crm', ?)", instance,
				Timestamp.from(seenAt));
	}

	/** A delivery to 'crm' claimed by {@code instance} at {@code claimedAt}, leased until {@code lockedUntil}. */
	private static long running(JdbcTemplate jdbc, String instance, int attempt, Instant claimedAt,
			Instant lockedUntil) {
		long id = DeliveryRepositoryTests.delivery(jdbc, "RUNNING", attempt, claimedAt, lockedUntil);
		jdbc.update("update dispatch_delivery set locked_by = ?, updated_at = ? where id = ?", instance,
				Timestamp.from(claimedAt), id);
		return id;
	}

	private static Instant lockedUntil(JdbcTemplate jdbc, long id) {
		return jdbc.queryForObject("select locked_until from dispatch_delivery where id = ?", Timestamp.class, id)
			.toInstant();
	}

}
