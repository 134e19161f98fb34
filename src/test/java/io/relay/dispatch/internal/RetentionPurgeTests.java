package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

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
		assertThat(exists(unfinished.eventId())).isTrue();
		assertThat(exists(recent.eventId())).isTrue();
	}

	private boolean exists(String eventId) {
		return this.jdbc.queryForObject("select count(*) from inbox_event where event_id = ?", Integer.class,
				eventId) == 1;
	}

}
