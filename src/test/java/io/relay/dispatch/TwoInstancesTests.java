package io.relay.dispatch;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.relay.RelayApplication;
import io.relay.support.Fixtures;
import io.relay.support.TestPostgres;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two Relay instances on one PostgreSQL database share the deliveries without running any of them twice.
 */
class TwoInstancesTests {

	@Test
	void twoInstancesShareTheWorkAndRunEachDeliveryOnce() {
		String url = TestPostgres.newDatabase("two_instances");
		try (ConfigurableApplicationContext first = start(url); ConfigurableApplicationContext second = start(url)) {
			List<WebhookClient> clients = List.of(client(first), client(second));
			List<String> events = new ArrayList<>();
			for (int i = 0; i < 300; i++) {
				Fixtures.Event event = Fixtures.withFreshId("user.updated.json");
				assertThat(clients.get(i % 2).deliver(event.body()).statusCode()).isEqualTo(202);
				events.add(event.eventId());
			}
			JdbcTemplate jdbc = first.getBean(JdbcTemplate.class);
			await().untilAsserted(() -> assertThat(jdbc.queryForObject(
					"select count(*) from dispatch_delivery where handler = 'recording' and status = 'SUCCEEDED'",
					Integer.class))
				.isEqualTo(events.size()));
			assertThat(jdbc.queryForObject("select count(*) from test_handler_run", Integer.class))
				.as("runs: each delivery exactly once")
				.isEqualTo(events.size());
			assertThat(jdbc.queryForObject("select count(distinct delivery_id) from test_handler_run", Integer.class))
				.isEqualTo(events.size());
			assertThat(jdbc.queryForObject("select count(distinct instance) from test_handler_run", Integer.class))
				.as("both instances did some of the work")
				.isEqualTo(2);
		}
	}

	@Test
	void aBacklogThatOnlyTheClaimsCanTakeIsRunOnceAcrossBothInstances() {
		// The deliveries above are mostly run by the instance that stored them, without a claim. These are written
		// straight into the database (as after a restart, or by a third instance): both instances' claimers compete
		// for every one of them.
		String url = TestPostgres.newDatabase("two_instances_backlog");
		try (ConfigurableApplicationContext first = start(url); ConfigurableApplicationContext second = start(url)) {
			JdbcTemplate jdbc = first.getBean(JdbcTemplate.class);
			int events = 600;
			List<Object[]> rows = new ArrayList<>();
			for (int i = 0; i < events; i++) {
				Fixtures.Event event = Fixtures.withFreshId("user.updated.json");
				rows.add(new Object[] { event.eventId(), event.body().getBytes(StandardCharsets.UTF_8) });
			}
			jdbc.batchUpdate("insert into inbox_event (event_id, event_type, content_type, payload, received_at) "
					+ "values (?, 'user.updated', 'application/json', ?, now())", rows);
			jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, "
					+ "next_attempt_at, created_at, updated_at) select event_id, 'recording', 'PENDING', 0, 10, now(), "
					+ "now(), now() from inbox_event");

			await().untilAsserted(() -> assertThat(jdbc.queryForObject(
					"select count(*) from dispatch_delivery where handler = 'recording' and status = 'SUCCEEDED'",
					Integer.class))
				.isEqualTo(events));
			assertThat(jdbc.queryForObject("select count(*) from test_handler_run", Integer.class))
				.as("runs: each delivery exactly once")
				.isEqualTo(events);
			assertThat(jdbc.queryForObject("select count(distinct delivery_id) from test_handler_run", Integer.class))
				.isEqualTo(events);
			assertThat(jdbc.queryForObject("select count(distinct instance) from test_handler_run", Integer.class))
				.as("both instances claimed some")
				.isEqualTo(2);
			assertThat(jdbc.queryForObject("select count(*) from dispatch_delivery where claims <> 1", Integer.class))
				.as("each claimed once")
				.isZero();
		}
	}

	@Test
	void anInstanceWithoutAHandlerLeavesItsDeliveriesToAnInstanceThatHasIt() {
		// A rolling upgrade that adds a workflow ('recording'): while only an instance without it runs, the
		// deliveries an upgraded instance wrote for it wait; then an upgraded instance runs them. None is skipped.
		String url = TestPostgres.newDatabase("rolling_upgrade");
		try (ConfigurableApplicationContext old = start(url, false)) {
			JdbcTemplate jdbc = old.getBean(JdbcTemplate.class);
			int events = 20;
			walksPastRecordingDeliveries(old, events, "1 minute");

			try (ConfigurableApplicationContext upgraded = start(url, true)) {
				await().untilAsserted(() -> assertThat(count(jdbc,
						"handler = 'recording' and status = 'SUCCEEDED'")).isEqualTo(events));
			}
			assertThat(jdbc.queryForObject("select count(*) from test_handler_run", Integer.class)).isEqualTo(events);
			assertThat(count(jdbc, "status = 'SKIPPED'")).isZero();
		}
	}

	@Test
	void anInstanceWithoutAHandlerLeavesItsDeliveriesPastTheGraceWhileAnInstanceThatHasItRuns() {
		// The deliveries for the new workflow ('recording') have waited past the grace (a backlog on the upgraded
		// instances, or behind a failing one of their conversation): the heartbeat, not the time, keeps the old
		// instance from skipping them.
		String url = TestPostgres.newDatabase("rolling_upgrade_heartbeat");
		String upgradedName;
		try (ConfigurableApplicationContext upgraded = start(url, true)) {
			upgradedName = upgraded.getBean(JdbcTemplate.class)
				.queryForObject("select instance from dispatch_instance_handler where handler = 'recording'",
						String.class);
		}
		// Stopped, but seen just now (a restart in a rolling upgrade): counted as running for the grace (5 minutes).
		try (ConfigurableApplicationContext old = start(url, false, "--relay.dispatch.heartbeat-interval=200ms")) {
			JdbcTemplate jdbc = old.getBean(JdbcTemplate.class);
			// Until the old instance judges others (three heartbeats of its own after its start), it would leave
			// the deliveries alone whether the upgraded one runs or not: wait for a heartbeat past that.
			Instant started = Instant.now();
			await().untilAsserted(() -> assertThat(jdbc.queryForObject("select max(seen_at) from "
					+ "dispatch_instance_handler where instance <> ?", Timestamp.class, upgradedName).toInstant())
				.isAfter(started.plusSeconds(1)));
			int events = 20;
			walksPastRecordingDeliveries(old, events, "10 minutes");
			assertThat(jdbc.queryForList("select distinct instance from dispatch_instance_handler where handler = "
					+ "'log'", String.class))
				.as("each instance wrote its own heartbeat")
				.hasSize(2)
				.contains(upgradedName);

			// The upgraded instance was not seen for longer than the grace: gone, so no instance has the
			// handler, and the old one ends its deliveries SKIPPED.
			jdbc.update("update dispatch_instance_handler set seen_at = now() - interval '6 minutes' where "
					+ "instance = ?", upgradedName);
			await().untilAsserted(() -> assertThat(count(jdbc, "handler = 'recording' and status = 'SKIPPED'"))
				.isEqualTo(events));
			assertThat(jdbc.queryForObject("select count(*) from test_handler_run", Integer.class)).isZero();
		}
	}

	@Test
	void anInstanceWithoutAHandlerPlansItsDeliveriesForTheInstancesThatHaveIt() {
		// A rolling upgrade that adds a workflow ('recording', which takes user.updated only): the events an
		// instance not yet upgraded stores get a delivery for it too, filtered when it runs on the upgraded one.
		String url = TestPostgres.newDatabase("rolling_upgrade_planning");
		try (ConfigurableApplicationContext upgraded = start(url, true,
				"--relay.test.recording-handler-types=user.updated");
				ConfigurableApplicationContext old = start(url, false)) {
			JdbcTemplate jdbc = old.getBean(JdbcTemplate.class);
			WebhookClient client = client(old);
			int events = 10;
			for (int i = 0; i < events; i++) {
				for (String fixture : List.of("user.updated.json", "user.created.json")) {
					assertThat(client.deliver(Fixtures.withFreshId(fixture).body()).statusCode()).isEqualTo(202);
				}
			}

			await().untilAsserted(() -> assertThat(count(jdbc, "handler = 'recording' and status = 'SUCCEEDED'"))
				.isEqualTo(events));
			await().untilAsserted(() -> assertThat(jdbc.queryForList("select e.event_type from dispatch_delivery d "
					+ "join inbox_event e on e.event_id = d.event_id where d.handler = 'recording' and d.status = "
					+ "'SKIPPED' and d.last_error like 'not for this handler: %'", String.class))
				.hasSize(events)
				.containsOnly("user.created"));
			assertThat(jdbc.queryForObject("select count(*) from test_handler_run", Integer.class)).isEqualTo(events);
			await().untilAsserted(() -> assertThat(count(jdbc, "handler = 'log' and status = 'SUCCEEDED'"))
				.isEqualTo(2 * events));
		}
	}

	/**
	 * Stores events through {@code old} (an instance without the 'recording' handler), writes a 'recording'
	 * delivery for each as an upgraded instance would, due since {@code dueFor} ago, and replays the 'log' ones: the
	 * old instance's claims take those, with room left for the 'recording' ones, and leave the latter alone.
	 */
	private static void walksPastRecordingDeliveries(ConfigurableApplicationContext old, int events, String dueFor) {
		JdbcTemplate jdbc = old.getBean(JdbcTemplate.class);
		WebhookClient client = client(old);
		for (int i = 0; i < events; i++) {
			assertThat(client.deliver(Fixtures.withFreshId("user.updated.json").body()).statusCode()).isEqualTo(202);
		}
		await().untilAsserted(() -> assertThat(count(jdbc, "handler = 'log' and status = 'SUCCEEDED'"))
			.isEqualTo(events));
		// (Those the old instance planned itself, when it knows an instance with 'recording', are made due as long.)
		jdbc.update("update dispatch_delivery set next_attempt_at = now() - cast(? as interval) where handler = "
				+ "'recording'", dueFor);
		jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, "
				+ "next_attempt_at, created_at, updated_at) select event_id, 'recording', 'PENDING', 0, 10, "
				+ "now() - cast(? as interval), now(), now() from inbox_event e where not exists (select 1 from "
				+ "dispatch_delivery d where d.event_id = e.event_id and d.handler = 'recording')", dueFor);
		jdbc.update("update dispatch_delivery set status = 'PENDING', next_attempt_at = now() where handler = 'log'");
		await().untilAsserted(() -> assertThat(count(jdbc, "handler = 'log' and status = 'SUCCEEDED' and "
				+ "attempts = 2")).isEqualTo(events));
		assertThat(count(jdbc, "handler = 'recording' and status = 'PENDING' and attempts = 0")).isEqualTo(events);
	}

	private static int count(JdbcTemplate jdbc, String condition) {
		return jdbc.queryForObject("select count(*) from dispatch_delivery where " + condition, Integer.class);
	}

	private static ConfigurableApplicationContext start(String url) {
		return new SpringApplicationBuilder(RelayApplication.class).run("--server.port=0",
				"--relay.webhook.secrets=" + WebhookClient.SECRET, "--spring.datasource.url=" + url,
				"--spring.datasource.username=" + TestPostgres.username(),
				"--spring.datasource.password=" + TestPostgres.password(), "--relay.test.recording-handler=true",
				"--relay.test.recording-handler-millis=5", "--relay.dispatch.poll-interval=20ms",
				"--relay.workflows.log.enabled=false", "--logging.level.io.relay=WARN");
	}

	/** An instance with the built-in 'log' handler, and with or without the 'recording' one. */
	private static ConfigurableApplicationContext start(String url, boolean recording, String... more) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=" + url, "--spring.datasource.username=" + TestPostgres.username(),
				"--spring.datasource.password=" + TestPostgres.password(),
				"--relay.test.recording-handler=" + recording, "--relay.dispatch.poll-interval=20ms",
				"--logging.level.io.relay=WARN"));
		args.addAll(List.of(more));
		return new SpringApplicationBuilder(RelayApplication.class).run(args.toArray(String[]::new));
	}

	private static WebhookClient client(ConfigurableApplicationContext context) {
		return WebhookClient.onPort(((WebServerApplicationContext) context).getWebServer().getPort());
	}

}
