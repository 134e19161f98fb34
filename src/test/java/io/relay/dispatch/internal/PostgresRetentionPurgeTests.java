package io.relay.dispatch.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.relay.support.Fixtures;
import io.relay.support.TestPostgres;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PostgresRetentionPurgeTests extends RetentionPurgeTests {

	private static final Timestamp OLD = Timestamp.from(Instant.now().minus(40, ChronoUnit.DAYS));

	@DynamicPropertySource
	static void postgres(DynamicPropertyRegistry registry) {
		String url = TestPostgres.newDatabase("retention");
		registry.add("spring.datasource.url", () -> url);
		registry.add("spring.datasource.username", TestPostgres::username);
		registry.add("spring.datasource.password", TestPostgres::password);
	}

	@Test
	void anEventReplayedWhileThePurgeWaitsForItsDeliveriesIsKept() throws Exception {
		Fixtures.Event event = oldFinishedEvent();

		purgeWhileAReplayIsOpen(event.eventId());

		assertThat(exists(event.eventId())).isTrue();
		assertThat(this.jdbc.queryForObject("select count(*) from dispatch_delivery where event_id = ?", Integer.class,
				event.eventId()))
			.isPositive();
	}

	@Test
	void anEventReplayedDuringThePurgeDoesNotEndItsRunEarly() throws Exception {
		Fixtures.Event replayed = oldFinishedEvent();
		// A full batch more of old events after it: the first batch holds the replayed one, so not all of them.
		String prefix = "bulk-" + UUID.randomUUID() + "-";
		this.jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) "
				+ "select ? || g, 'user.created', 'application/json', '{}'::bytea, ? "
				+ "from generate_series(1, ?) g", prefix, OLD, RetentionPurge.PURGE_BATCH);

		assertThat(purgeWhileAReplayIsOpen(replayed.eventId())).isGreaterThanOrEqualTo(RetentionPurge.PURGE_BATCH);

		// The batch that lost the replayed event to its replay was not taken for the last one.
		assertThat(this.jdbc.queryForObject("select count(*) from inbox_event where event_id like ?", Integer.class,
				prefix + "%"))
			.isZero();
		assertThat(exists(replayed.eventId())).isTrue();
	}

	@Test
	void whileAnotherInstancePurgesThisOneLeavesItTheWork() throws Exception {
		Fixtures.Event event = oldFinishedEvent();
		try (Connection other = this.dataSource.getConnection()) {
			other.setAutoCommit(false);
			try (PreparedStatement lock = other.prepareStatement("select pg_advisory_xact_lock(?, 1)")) {
				lock.setInt(1, RetentionRepository.ADVISORY_LOCK_SPACE);
				lock.executeQuery().close();
			}
			assertThat(this.purge.run()).isZero();
			assertThat(exists(event.eventId())).isTrue();
			other.rollback();
		}
		assertThat(this.purge.run()).isPositive();
		assertThat(exists(event.eventId())).isFalse();
	}

	/** An event whose deliveries all succeeded, received 40 days ago. */
	private Fixtures.Event oldFinishedEvent() {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		assertThat(WebhookClient.onPort(this.port).deliver(event.body()).statusCode()).isEqualTo(202);
		await().until(() -> this.jdbc.queryForObject("select count(*) from dispatch_delivery where event_id = ? and "
				+ "status = 'SUCCEEDED'", Integer.class, event.eventId()) > 0);
		this.jdbc.update("update inbox_event set received_at = ? where event_id = ?", OLD, event.eventId());
		return event;
	}

	/**
	 * Runs the purge while a replay of the event's deliveries is not yet committed, and commits it once the purge
	 * waits for their locks.
	 * @return what the purge returned
	 */
	private int purgeWhileAReplayIsOpen(String eventId) throws Exception {
		try (Connection replay = this.dataSource.getConnection()) {
			replay.setAutoCommit(false);
			// Due tomorrow: the dispatcher must not finish it again before the purge's next batch.
			try (PreparedStatement update = replay.prepareStatement(
					"update dispatch_delivery set status = 'PENDING', next_attempt_at = ? where event_id = ?")) {
				update.setTimestamp(1, Timestamp.from(Instant.now().plus(1, ChronoUnit.DAYS)));
				update.setString(2, eventId);
				assertThat(update.executeUpdate()).isPositive();
			}
			CompletableFuture<Integer> purge = CompletableFuture.supplyAsync(this.purge::run);
			// The statement's text is cut at 1 KB in pg_stat_activity: its start is what names it here.
			await().until(() -> this.jdbc.queryForObject("select count(*) from pg_stat_activity where "
					+ "datname = current_database() and wait_event_type = 'Lock' "
					+ "and query like 'select event_id, status from dispatch_delivery%'", Integer.class) > 0);
			replay.commit();
			return purge.get(30, TimeUnit.SECONDS);
		}
	}

}
