package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

import io.relay.support.TestPostgres;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How PostgreSQL runs the claim when its statistics say nothing of the backlog, as they do for a queue table: work
 * written since the last ANALYZE, or a table never analysed (a fresh install, a restart with work waiting). Here:
 * 40,000 finished and 20,000 due deliveries in a table that autovacuum leaves alone.
 */
class ClaimPlanTests {

	static final List<String> ranges = java.util.stream.Stream
		.concat(DeliveryRepository.CLAIM_RANGES.stream(), DeliveryRepository.OTHERS_RANGES.stream())
		.toList();

	private static JdbcTemplate jdbc;

	private static TransactionTemplate transactions;

	@BeforeAll
	static void backlogWithoutStatistics() throws Exception {
		String url = TestPostgres.newDatabase("claim_plan");
		// One session for the whole class, so that what a transaction sets can be looked at after it.
		SingleConnectionDataSource dataSource = new SingleConnectionDataSource(url, TestPostgres.username(),
				TestPostgres.password(), true);
		Flyway.configure().dataSource(dataSource).load().migrate();
		jdbc = new JdbcTemplate(dataSource);
		transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		jdbc.execute("alter table dispatch_delivery set (autovacuum_enabled = false)");
		jdbc.execute("insert into inbox_event (event_id, event_type, content_type, payload, received_at) "
				+ "select 'e' || g, 'user.created', 'application/json', '{}'::bytea, now() "
				+ "from generate_series(1, 60000) g");
		// Finished work, then a backlog.
		jdbc.execute("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, "
				+ "next_attempt_at, created_at, updated_at) select 'e' || g, 'log', case when g <= 40000 then "
				+ "'SUCCEEDED' else 'PENDING' end, 0, 10, now() - interval '1 minute', now(), now() "
				+ "from generate_series(1, 60000) g");
	}

	@Test
	void leftToItselfThePlannerSortsTheWholeBacklogForEveryClaim() {
		// Why the claim pins its plans: this is what it ran before (10-20 ms per claim of 32 from 40,000), for the
		// plain due range. The real ranges' filters only move the estimates, and the next statistics may move them
		// back.
		String plan = transactions.execute((status) -> plan("d.status = 'PENDING' and d.next_attempt_at <= :now"));

		assertThat(plan).contains("Sort").contains("Bitmap Index Scan on ix_dispatch_delivery_due");
	}

	@ParameterizedTest
	@FieldSource("ranges")
	void pinnedClaimWalksTheDueIndexInOrderAndStopsAtTheLimit(String range) {
		String plan = transactions.execute((status) -> {
			jdbc.execute(DeliveryRepository.PIN_CLAIM_PLAN);
			return plan(range);
		});

		assertThat(plan).contains("Limit")
			.contains("Index Scan using ix_dispatch_delivery_due on dispatch_delivery d")
			.doesNotContain("Sort")
			.doesNotContain("Bitmap");
	}

	@Test
	void leftToItselfThePlannerFindsTheClaimedIdsInTheWholeBacklog() {
		// 38 ms for a claim of 32 from 40,000 (auto_explain, 2026-11-26).
		String plan = transactions.execute((status) -> updatePlan());

		assertThat(plan).contains("BitmapOr").contains("Bitmap Index Scan on ix_dispatch_delivery_due");
	}

	@Test
	void pinnedClaimUpdateLooksItsIdsUpByPrimaryKey() {
		String plan = transactions.execute((status) -> {
			jdbc.execute(DeliveryRepository.PIN_CLAIM_PLAN);
			return updatePlan();
		});

		assertThat(plan).contains("Index Scan using dispatch_delivery_pkey").doesNotContain("Bitmap");
	}

	@Test
	void claimPinsItsPlansForItsTransactionOnly() {
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		List<String> during = transactions.execute((status) -> {
			Instant now = Instant.now();
			assertThat(repository.claim("test", new DeliveryRepository.ClaimScope(List.of("log"),
					now.minusSeconds(3600), now.minusSeconds(3600)), now, now.plusSeconds(60), 1))
				.hasSize(1);
			status.setRollbackOnly();
			return settings();
		});

		assertThat(during).containsExactly("off", "off");
		assertThat(settings()).containsExactly("on", "on");
	}

	private static List<String> settings() {
		return List.of(jdbc.queryForObject("show enable_sort", String.class),
				jdbc.queryForObject("show enable_bitmapscan", String.class));
	}

	/** The claim's update for 32 of the oldest due deliveries. */
	private static String updatePlan() {
		List<Long> ids = jdbc.queryForList("select id from dispatch_delivery where status = 'PENDING' order by id "
				+ "fetch first 32 rows only", Long.class);
		Timestamp now = Timestamp.from(Instant.now());
		MapSqlParameterSource params = new MapSqlParameterSource("ids", ids).addValue("instance", "test")
			.addValue("until", now)
			.addValue("now", now);
		return String.join("\n", new NamedParameterJdbcTemplate(jdbc).queryForList("explain "
				+ DeliveryRepository.CLAIM_UPDATE, params, String.class));
	}

	private static String plan(String range) {
		Instant now = Instant.now();
		// An instance with two handlers: the backlog's and another.
		MapSqlParameterSource params = DeliveryRepository.rangeParameters(new DeliveryRepository.ClaimScope(
				List.of("log", "crm"), now.minusSeconds(3600), now.minusSeconds(3600)), now).addValue("limit", 32);
		return String.join("\n", new NamedParameterJdbcTemplate(jdbc).queryForList("explain "
				+ DeliveryRepository.claimableQuery(range, " for update skip locked"), params, String.class));
	}

}
