package io.relay.dispatch.internal;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.sql.DataSource;

import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:file:./target/h2/retention-${random.uuid};WRITE_DELAY=0", "relay.retention=30d" })
class RetentionPurgeTests {

	@LocalServerPort
	int port;

	@Autowired
	DispatchService service;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	DataSource dataSource;

	@Test
	void oldFinishedEventsArePurgedAndUnfinishedOnesKept() {
		WebhookClient client = WebhookClient.onPort(this.port);
		Fixtures.Event finished = Fixtures.withFreshId("user.created.json");
		Fixtures.Event unfinished = Fixtures.withFreshId("user.updated.json");
		Fixtures.Event recent = Fixtures.withFreshId("user.connected.json");
		for (Fixtures.Event event : new Fixtures.Event[] { finished, unfinished, recent }) {
			assertThat(client.deliver(event.body()).statusCode()).isEqualTo(202);
		}
		await().until(() -> this.jdbc.queryForObject("select count(*) from dispatch_delivery where event_id in (?, ?, ?)"
				+ " and status = 'SUCCEEDED'", Integer.class, finished.eventId(), unfinished.eventId(),
				recent.eventId()) == 3);
		List<Long> finishedDeliveries = deliveriesOf(finished.eventId());
		List<Long> keptDeliveries = deliveriesOf(unfinished.eventId(), recent.eventId());
		assertThat(attemptsOf(finishedDeliveries)).isEqualTo(finishedDeliveries.size()).isPositive();
		Timestamp old = Timestamp.from(Instant.now().minus(40, ChronoUnit.DAYS));
		this.jdbc.update("update inbox_event set received_at = ? where event_id in (?, ?)", old, finished.eventId(),
				unfinished.eventId());
		// Still waiting for a retry, far in the future: must survive the purge.
		this.jdbc.update("update dispatch_delivery set status = 'FAILED', next_attempt_at = ? where event_id = ?",
				Timestamp.from(Instant.now().plus(1, ChronoUnit.DAYS)), unfinished.eventId());

		assertThat(this.service.purge()).isGreaterThanOrEqualTo(1);

		assertThat(exists(finished.eventId())).isFalse();
		assertThat(this.jdbc.queryForObject("select count(*) from dispatch_delivery where event_id = ?", Integer.class,
				finished.eventId()))
			.isZero();
		assertThat(attemptsOf(finishedDeliveries)).isZero();
		assertThat(attemptsOf(keptDeliveries)).isEqualTo(keptDeliveries.size());
		// Nothing left behind that belongs to no event (the dispatch tables have no foreign keys: decision 0007).
		assertThat(this.jdbc.queryForObject("select count(*) from dispatch_delivery d where not exists (select 1 from "
				+ "inbox_event e where e.event_id = d.event_id)", Integer.class)).isZero();
		assertThat(this.jdbc.queryForObject("select count(*) from dispatch_attempt a where not exists (select 1 from "
				+ "dispatch_delivery d where d.id = a.delivery_id)", Integer.class)).isZero();
		assertThat(exists(unfinished.eventId())).isTrue();
		assertThat(exists(recent.eventId())).isTrue();
	}

	@Test
	void dispatchTablesHaveNoForeignKeysAndTheOtherTablesKeepTheirs() throws SQLException {
		assertThat(foreignKeys("dispatch_delivery")).isEmpty();
		assertThat(foreignKeys("dispatch_attempt")).isEmpty();
		assertThat(foreignKeys("inbox_duplicate")).containsExactly("inbox_event");
		assertThat(foreignKeys("workflow_reference")).containsExactly("inbox_event");
	}

	/** The tables the foreign keys of this table reference. */
	private List<String> foreignKeys(String table) throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			DatabaseMetaData metadata = connection.getMetaData();
			String stored = metadata.storesUpperCaseIdentifiers() ? table.toUpperCase(Locale.ROOT) : table;
			List<String> referenced = new ArrayList<>();
			try (ResultSet keys = metadata.getImportedKeys(connection.getCatalog(), connection.getSchema(), stored)) {
				while (keys.next()) {
					referenced.add(keys.getString("PKTABLE_NAME").toLowerCase(Locale.ROOT));
				}
			}
			return referenced;
		}
	}

	private List<Long> deliveriesOf(String... eventIds) {
		return new NamedParameterJdbcTemplate(this.jdbc).queryForList("select id from dispatch_delivery where "
				+ "event_id in (:ids)", new MapSqlParameterSource("ids", List.of(eventIds)), Long.class);
	}

	private int attemptsOf(List<Long> deliveries) {
		return new NamedParameterJdbcTemplate(this.jdbc).queryForObject("select count(*) from dispatch_attempt where "
				+ "delivery_id in (:ids)", new MapSqlParameterSource("ids", deliveries), Integer.class);
	}

	private boolean exists(String eventId) {
		return this.jdbc.queryForObject("select count(*) from inbox_event where event_id = ?", Integer.class,
				eventId) == 1;
	}

}
