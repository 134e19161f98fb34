package io.relay.workflow.promocode;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

/**
 * The pool on the embedded database: its in-process lock, codes withheld by migration V48, and codes an older
 * instance stored without a key during a rolling upgrade.
 */
class PromoCodePoolTests {

	private final DataSource database = MigratedDatabase.h2("promo-pool");

	private final JdbcTemplate jdbc = new JdbcTemplate(this.database);

	private final PromoCodePool pool = new PromoCodePool(this.jdbc,
			new TransactionTemplate(new DataSourceTransactionManager(this.database)), Clock.systemUTC(),
			Duration.ofMillis(200));

	@Test
	void anAssignmentWaitsForAnotherOfItsCampaignInThisInstanceOnlySoLong() throws Exception {
		this.pool.add("spring", List.of("ONLY-1"), "test");
		CountDownLatch held = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Thread holder = Thread.ofVirtual().start(() -> {
			this.pool.campaignLock("spring").lock();
			try {
				held.countDown();
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				this.pool.campaignLock("spring").unlock();
			}
		});
		held.await();
		try {
			long start = System.nanoTime();
			CompletableFuture<PromoCodePool.Assignment> assignment = CompletableFuture
				.supplyAsync(() -> this.pool.assign("spring", "visitor-key", "1", "conversation-1", "e:promo-code"));
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> assignment.get(20, TimeUnit.SECONDS))
				.havingCause()
				.isInstanceOf(IllegalStateException.class)
				.withMessage("another assignment in campaign 'spring' held this instance's lock for over 200 ms; the "
						+ "delivery tries again later");
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for the lock before giving up")
				.isGreaterThanOrEqualTo(Duration.ofMillis(200));
		}
		finally {
			release.countDown();
			holder.join();
		}
		assertThat(this.pool.assign("spring", "visitor-key", "1", "conversation-1", "e:promo-code"))
			.isEqualTo(new PromoCodePool.Assignment.Assigned("ONLY-1"));
	}

	@Test
	void aCodeWithheldByTheMigrationIsNotHandedOutAndOneWithoutAKeyIs() {
		// A case twin V48 withheld, and a code an older instance stored during a rolling upgrade (no key).
		this.pool.add("spring", List.of("Older-1"), "IMPORTED");
		this.jdbc.update("insert into promo_code (campaign, code, code_key, origin, batch_id, created_at) values "
				+ "('spring', 'OLDER-1', '#7', 'IMPORTED', 'b', current_timestamp)");
		this.jdbc.update("insert into promo_code (campaign, code, origin, batch_id, created_at) values ('spring', "
				+ "'Rolled-2', 'IMPORTED', 'b', current_timestamp)");
		assertThat(this.pool.stats("spring")).isEqualTo(new PromoCodePool.Stats("spring", 3, 2, 0));
		// The free codes' export lists what can be handed out, as many as available counts.
		assertThat(this.pool.codes("spring", 0, 10, false)).extracting(PromoCodePool.CodeRow::code)
			.containsExactly("Older-1", "Rolled-2");
		assertThat(this.pool.codes("spring", 0, 10, null)).hasSize(3);

		assertThat(this.pool.assign("spring", "a", "1", "conversation-1", "k1"))
			.isEqualTo(new PromoCodePool.Assignment.Assigned("Older-1"));
		assertThat(this.pool.assign("spring", "b", "2", "conversation-2", "k2"))
			.isEqualTo(new PromoCodePool.Assignment.Assigned("Rolled-2"));
		assertThat(this.pool.assign("spring", "c", "3", "conversation-3", "k3"))
			.isEqualTo(new PromoCodePool.Assignment.PoolEmpty());
		assertThat(this.pool.stats("spring")).isEqualTo(new PromoCodePool.Stats("spring", 3, 0, 2));
	}

	@Test
	void anImportFindsAStoredCodeWhateverItsCaseWithAKeyWithheldOrWithout() {
		this.pool.add("spring", List.of("Older-1"), "IMPORTED");
		this.jdbc.update("insert into promo_code (campaign, code, code_key, origin, batch_id, created_at) values "
				+ "('spring', 'OLDER-1', '#7', 'IMPORTED', 'b', current_timestamp)");
		this.jdbc.update("insert into promo_code (campaign, code, origin, batch_id, created_at) values ('spring', "
				+ "'Rolled-2', 'IMPORTED', 'b', current_timestamp)");

		assertThat(this.pool.existing(List.of("OLDER-1", "ROLLED-2", "new-3"))).isEqualTo(
				Map.of("OLDER-1", new PromoCodePool.Existing("OLDER-1", "spring"), "ROLLED-2",
						new PromoCodePool.Existing("Rolled-2", "spring")));
		assertThat(this.pool.existing(List.of("older-1", "rolled-2"))).isEqualTo(
				Map.of("older-1", new PromoCodePool.Existing("Older-1", "spring"), "rolled-2",
						new PromoCodePool.Existing("Rolled-2", "spring")));
	}

	@Test
	void aCodeSentToTheVisitorsCurrentAddressIsRecordedUnderIt() {
		String campaign = "moved-" + UUID.randomUUID();
		this.pool.add(campaign, List.of("CODE-1"), "test");
		this.pool.assign(campaign, "former", "1", "conversation-1", "k");

		assertThat(this.pool.keepFor(campaign, "CODE-1", "former")).isFalse();
		assertThat(this.pool.keepFor(campaign, "CODE-1", "current")).isTrue();
		assertThat(this.jdbc.queryForObject("select visitor_key from promo_code where code = 'CODE-1'", String.class))
			.isEqualTo("current");
	}

}
