package io.relay.admin;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The event detail reads its parts (duplicates, deliveries and attempts, references) over one connection: it shares
 * the pool with the intake.
 */
class AdminQueriesTests {

	@Test
	void theEventDetailUsesOneConnectionAtATime() {
		CountingDataSource dataSource = new CountingDataSource(MigratedDatabase.h2("admin"));
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		Timestamp now = Timestamp.from(Instant.parse("2026-11-27T01:00:00Z"));
		jdbc.update("insert into inbox_event (event_id, event_type, delivery_id, content_type, payload, received_at) "
				+ "values ('e1', 'user.created', 'd1', 'application/json', ?, ?)", "{\"eventId\":\"e1\"}".getBytes(), now);
		jdbc.update("insert into inbox_duplicate (event_id, delivery_id, received_at) values ('e1', 'd2', ?)", now);
		jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, next_attempt_at, "
				+ "created_at, updated_at) values ('e1', 'crm', 'SUCCEEDED', 1, 10, ?, ?, ?)", now, now, now);
		jdbc.update("insert into dispatch_attempt (delivery_id, attempt, instance, started_at, finished_at, outcome) "
				+ "select id, 1, 'i', ?, ?, 'SUCCEEDED' from dispatch_delivery where event_id = 'e1'", now, now);
		dataSource.maxOpen.set(0);

		AdminViews.EventDetail detail = new AdminQueries(jdbc, new DataSourceTransactionManager(dataSource))
			.event("e1")
			.orElseThrow();

		assertThat(detail.deliveryIds()).containsExactly("d1", "d2");
		assertThat(detail.deliveries()).singleElement()
			.satisfies((delivery) -> assertThat(delivery.history()).hasSize(1));
		assertThat(dataSource.maxOpen).as("connections open at once").hasValue(1);
	}

	@Test
	void anInstanceListsTheHandlersItHasDisabledAndAnOlderBuildNone() {
		DataSource dataSource = MigratedDatabase.h2("admin_instances");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		Timestamp newer = Timestamp.from(Instant.parse("2026-11-28T10:00:05Z"));
		Timestamp older = Timestamp.from(Instant.parse("2026-11-28T10:00:00Z"));
		String insert = "insert into dispatch_instance_handler (instance, handler, seen_at, applies_filter_at_run, "
				+ "handler_enabled) values (?, ?, ?, true, ?)";
		jdbc.update(insert, "current", "lead", newer, false);
		jdbc.update(insert, "current", "log", newer, true);
		// A build from before V49 writes no handler_enabled: it runs every handler it lists.
		jdbc.update(insert, "before-v49", "lead", older, null);

		List<AdminViews.InstanceView> instances = new AdminQueries(jdbc,
				new DataSourceTransactionManager(dataSource))
			.instances();

		assertThat(instances).extracting(AdminViews.InstanceView::instance).containsExactly("current", "before-v49");
		assertThat(instances.get(0).handlers()).containsExactly("lead", "log");
		assertThat(instances.get(0).disabled()).containsExactly("lead");
		assertThat(instances.get(1).handlers()).containsExactly("lead");
		assertThat(instances.get(1).disabled()).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aPageAndItsTotalComeFromOneSnapshot(String database) {
		DataSource dataSource = MigratedDatabase.of(database, "admin_snapshot");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		store(jdbc, "before");
		AdminQueries queries = new AdminQueries(jdbc, new DataSourceTransactionManager(dataSource)) {

			@Override
			List<AdminViews.EventSummary> page(Filter filter, int page, int size) {
				List<AdminViews.EventSummary> content = super.page(filter, page, size);
				// Stored by the intake, on another connection, between the page and its count.
				CompletableFuture.runAsync(() -> store(new JdbcTemplate(dataSource), "between")).join();
				return content;
			}

		};

		AdminQueries.Listing listing = queries.list(new AdminQueries.Filter(null, null, null, null, null, null), 0, 20);

		assertThat(listing.content()).extracting(AdminViews.EventSummary::eventId).containsExactly("before");
		assertThat(listing.total()).isOne();
		assertThat(jdbc.queryForObject("select count(*) from inbox_event", Long.class)).isEqualTo(2);
	}

	private static void store(JdbcTemplate jdbc, String eventId) {
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'user.created', 'application/json', ?, ?)", eventId, "{}".getBytes(),
				Timestamp.from(Instant.parse("2026-11-27T01:00:00Z")));
	}

	/** Counts the connections open at the same time. */
	static final class CountingDataSource extends DelegatingDataSource {

		final AtomicInteger open = new AtomicInteger();

		final AtomicInteger maxOpen = new AtomicInteger();

		CountingDataSource(DataSource target) {
			super(target);
		}

		@Override
		public Connection getConnection() throws SQLException {
			Connection connection = super.getConnection();
			this.maxOpen.accumulateAndGet(this.open.incrementAndGet(), Math::max);
			return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
					(proxy, method, args) -> {
						if (method.getName().equals("close")) {
							this.open.decrementAndGet();
						}
						try {
							return method.invoke(connection, args);
						}
						catch (java.lang.reflect.InvocationTargetException ex) {
							throw ex.getCause();
						}
					});
		}

	}

}
