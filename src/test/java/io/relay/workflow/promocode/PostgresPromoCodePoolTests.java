package io.relay.workflow.promocode;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The pool on PostgreSQL, where a free code locked by another transaction is skipped ({@code SKIP LOCKED}), and
 * where assignments wait for each other only so long.
 */
class PostgresPromoCodePoolTests {

	private final DataSource database = MigratedDatabase.postgres("promo_pool");

	private final PromoCodePool pool = new PromoCodePool(new JdbcTemplate(this.database),
			new TransactionTemplate(new DataSourceTransactionManager(this.database)), Clock.systemUTC());

	@Test
	void twoRunsOfOneConversationAtOnceTakeOneCodeBetweenThem() throws Exception {
		String campaign = "c-" + UUID.randomUUID().toString().substring(0, 8);
		String first = "FIRST-" + UUID.randomUUID();
		this.pool.add(campaign, List.of(first, "SECOND-" + UUID.randomUUID()), "test");
		try (Connection other = this.database.getConnection()) {
			// Another instance runs the same delivery (its lease taken over) and is assigning the conversation a
			// code for the visitor's former address; it has not committed yet.
			other.setAutoCommit(false);
			try (PreparedStatement lock = other.prepareStatement("select pg_advisory_xact_lock(?, hashtext(?))");
					PreparedStatement take = other.prepareStatement("update promo_code set assigned_at = now(), "
							+ "visitor_key = 'former-address', visitor_id = '1', conversation_id = 'conversation-1', "
							+ "idempotency_key = 'e:promo-code' where code = ?")) {
				lock.setInt(1, PromoCodePool.ADVISORY_LOCK_SPACE);
				lock.setString(2, PromoCodePool.conversationLockKey(campaign, "conversation-1"));
				lock.executeQuery().close();
				take.setString(1, first);
				assertThat(take.executeUpdate()).isOne();
			}
			CompletableFuture<PromoCodePool.Assignment> assignment = CompletableFuture.supplyAsync(
					() -> this.pool.assign(campaign, "current-address", "1", "conversation-1", "e:promo-code"));
			await().atMost(Duration.ofSeconds(20)).until(() -> waitingForAnAdvisoryLock(other));
			other.commit();

			assertThat(assignment.get(10, TimeUnit.SECONDS)).isEqualTo(new PromoCodePool.Assignment.Assigned(first));
		}
		assertThat(new JdbcTemplate(this.database).queryForObject("select count(*) from promo_code where campaign = ? "
				+ "and assigned_at is not null", Integer.class, campaign)).isOne();
	}

	@Test
	void anAssignmentWaitsForAnotherRunOfItsConversationOnlySoLong() throws Exception {
		PromoCodePool impatient = new PromoCodePool(new JdbcTemplate(this.database),
				new TransactionTemplate(new DataSourceTransactionManager(this.database)), Clock.systemUTC(),
				Duration.ofMillis(200));
		String campaign = "c-" + UUID.randomUUID().toString().substring(0, 8);
		impatient.add(campaign, List.of("ONLY-" + UUID.randomUUID()), "test");
		try (Connection other = this.database.getConnection()) {
			// Another instance holds the conversation's lock and does not let go (its connection hangs).
			other.setAutoCommit(false);
			try (PreparedStatement lock = other.prepareStatement("select pg_advisory_xact_lock(?, hashtext(?))")) {
				lock.setInt(1, PromoCodePool.ADVISORY_LOCK_SPACE);
				lock.setString(2, PromoCodePool.conversationLockKey(campaign, "conversation-1"));
				lock.executeQuery().close();
			}
			CompletableFuture<PromoCodePool.Assignment> assignment = CompletableFuture.supplyAsync(
					() -> impatient.assign(campaign, "visitor-key", "1", "conversation-1", "e:promo-code"));
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> assignment.get(20, TimeUnit.SECONDS))
				.havingCause()
				.isInstanceOf(IllegalStateException.class)
				.withMessage("another assignment of conversation conversation-1 in campaign '" + campaign
						+ "' (in any instance) held its lock for over 200 ms; the delivery tries again later");
			other.rollback();
		}
		// Nothing taken, and the lock timeout ended with the transaction: the next assignment goes through.
		assertThat(impatient.stats(campaign).assigned()).isZero();
		assertThat(impatient.assign(campaign, "visitor-key", "1", "conversation-1", "e:promo-code"))
			.isInstanceOf(PromoCodePool.Assignment.Assigned.class);
	}

	@Test
	void anAssignmentWaitsForAnotherOfItsCampaignInThisInstanceOnlySoLong() throws Exception {
		PromoCodePool impatient = new PromoCodePool(new JdbcTemplate(this.database),
				new TransactionTemplate(new DataSourceTransactionManager(this.database)), Clock.systemUTC(),
				Duration.ofMillis(200));
		String campaign = "c-" + UUID.randomUUID().toString().substring(0, 8);
		impatient.add(campaign, List.of("ONLY-" + UUID.randomUUID()), "test");
		CountDownLatch held = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Thread holder = Thread.ofVirtual().start(() -> {
			impatient.campaignLock(campaign).lock();
			try {
				held.countDown();
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				impatient.campaignLock(campaign).unlock();
			}
		});
		held.await();
		try {
			CompletableFuture<PromoCodePool.Assignment> assignment = CompletableFuture.supplyAsync(
					() -> impatient.assign(campaign, "visitor-key", "1", "conversation-1", "e:promo-code"));
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> assignment.get(20, TimeUnit.SECONDS))
				.havingCause()
				.isInstanceOf(IllegalStateException.class)
				.withMessage("another assignment in campaign '" + campaign + "' (in this instance) held its lock for "
						+ "over 200 ms; the delivery tries again later");
		}
		finally {
			release.countDown();
			holder.join();
		}
		assertThat(impatient.assign(campaign, "visitor-key", "1", "conversation-1", "e:promo-code"))
			.isInstanceOf(PromoCodePool.Assignment.Assigned.class);
	}

	private static boolean waitingForAnAdvisoryLock(Connection connection) throws Exception {
		// This database's, in the pool's key space (other tests share the server).
		try (PreparedStatement waiting = connection.prepareStatement("select count(*) from pg_locks where locktype = "
				+ "'advisory' and not granted and database = (select oid from pg_database where datname = "
				+ "current_database()) and classid = ? and objsubid = 2")) {
			waiting.setInt(1, PromoCodePool.ADVISORY_LOCK_SPACE);
			try (ResultSet rs = waiting.executeQuery()) {
				return rs.next() && rs.getInt(1) > 0;
			}
		}
	}

	@Test
	void aFreeCodeLockedByAnotherTransactionDoesNotMakeThePoolEmpty() throws Exception {
		String campaign = "c-" + UUID.randomUUID().toString().substring(0, 8);
		this.pool.add(campaign, List.of("ONLY-" + UUID.randomUUID()), "test");
		try (Connection other = this.database.getConnection()) {
			// Another instance took the only free code and has not decided yet (its visitor may have one already).
			other.setAutoCommit(false);
			try (PreparedStatement lock = other.prepareStatement(
					"select id from promo_code where campaign = ? and assigned_at is null for update")) {
				lock.setString(1, campaign);
				try (ResultSet rs = lock.executeQuery()) {
					assertThat(rs.next()).isTrue();
				}
			}
			// Not "empty" (a ten-minute wait): contention, retried after the handler's backoff.
			assertThatIllegalStateException()
				.isThrownBy(() -> this.pool.assign(campaign, "visitor-key", "1", "conversation-1", "e:promo-code"))
				.withMessageContaining("contention");
			other.rollback();
		}
		assertThat(this.pool.assign(campaign, "visitor-key", "1", "conversation-1", "e:promo-code"))
			.isInstanceOf(PromoCodePool.Assignment.Assigned.class);
		assertThat(this.pool.assign(campaign, "visitor-key-2", "2", "conversation-2", "f:promo-code"))
			.isInstanceOf(PromoCodePool.Assignment.PoolEmpty.class);
	}

}
