package io.relay.workflow.promocode;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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

/**
 * The pool on PostgreSQL, where a free code locked by another transaction is skipped ({@code SKIP LOCKED}), and
 * another run of the conversation (another instance) is not waited for.
 */
class PostgresPromoCodePoolTests {

	private final DataSource database = MigratedDatabase.postgres("promo_pool");

	private final PromoCodePool pool = new PromoCodePool(new JdbcTemplate(this.database),
			new TransactionTemplate(new DataSourceTransactionManager(this.database)), Clock.systemUTC());

	@Test
	void twoRunsOfOneConversationAtOnceTakeOneCodeBetweenThemAndTheSecondDoesNotWait() throws Exception {
		String campaign = "c-" + UUID.randomUUID().toString().substring(0, 8);
		String first = "FIRST-" + UUID.randomUUID();
		this.pool.add(campaign, List.of(first, "SECOND-" + UUID.randomUUID()), "test");
		try (Connection other = this.database.getConnection()) {
			// Another instance runs the same delivery (its lease taken over) and is assigning the conversation a
			// code for the visitor's former address; it has not committed yet, and may not for long (it hangs).
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
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> assignment.get(20, TimeUnit.SECONDS))
				.havingCause()
				.isInstanceOf(IllegalStateException.class)
				.withMessage("another run of conversation conversation-1 (in another instance) is taking it a code of "
						+ "campaign '" + campaign + "' right now; the delivery tries again later");
			other.commit();
		}
		// The delivery's next attempt finds the other run's code. The code is recorded under the address the email
		// goes to only once it went out: the other run may yet send it to the former one.
		assertThat(this.pool.assign(campaign, "current-address", "1", "conversation-1", "e:promo-code"))
			.isEqualTo(new PromoCodePool.Assignment.Assigned(first));
		JdbcTemplate jdbc = new JdbcTemplate(this.database);
		assertThat(jdbc.queryForObject("select count(*) from promo_code where campaign = ? and assigned_at is not null",
				Integer.class, campaign)).isOne();
		assertThat(jdbc.queryForObject("select visitor_key from promo_code where code = ?", String.class, first))
			.isEqualTo("former-address");
		assertThat(this.pool.keepFor(campaign, first, "current-address")).isTrue();
		assertThat(jdbc.queryForObject("select visitor_key from promo_code where code = ?", String.class, first))
			.isEqualTo("current-address");
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
