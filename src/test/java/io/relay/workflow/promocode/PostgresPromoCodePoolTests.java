package io.relay.workflow.promocode;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The pool on PostgreSQL, where a free code locked by another transaction is skipped ({@code SKIP LOCKED}).
 */
class PostgresPromoCodePoolTests {

	private final DataSource database = MigratedDatabase.postgres("promo_pool");

	private final PromoCodePool pool = new PromoCodePool(new JdbcTemplate(this.database),
			new TransactionTemplate(new DataSourceTransactionManager(this.database)), Clock.systemUTC());

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
