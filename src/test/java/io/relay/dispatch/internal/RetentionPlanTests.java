package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the purge finds its next batch on the embedded H2: it stops at the batch, rather than reading every event
 * older than the cutoff at every batch.
 */
class RetentionPlanTests {

	private static final Pattern SCAN_COUNT = Pattern.compile("scanCount: (\\d+)");

	@Test
	void aBatchOfCandidatesReadsAboutTheBatchNotEveryOldEvent() {
		JdbcTemplate jdbc = new JdbcTemplate(MigratedDatabase.h2("retention-plan"));
		Instant old = Instant.parse("2026-01-01T00:00:00Z");
		List<Object[]> events = new ArrayList<>();
		for (int i = 0; i < 20_000; i++) {
			events.add(new Object[] { UUID.randomUUID().toString(), Timestamp.from(old.plusSeconds(i)) });
		}
		jdbc.batchUpdate("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'user.created', 'application/json', X'7B7D', ?)", events);
		jdbc.update("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, "
				+ "next_attempt_at, created_at, updated_at) select event_id, 'log', 'SUCCEEDED', 1, 10, received_at, "
				+ "received_at, received_at from inbox_event");

		String plan = String.join("\n", jdbc.queryForList("explain analyze "
				+ RetentionRepository.candidates(false).replaceFirst("\\?", "timestamp with time zone "
						+ "'2027-01-01 00:00:00+00'").replaceFirst("\\?", "1000"), String.class));

		Matcher counts = SCAN_COUNT.matcher(plan);
		assertThat(counts.find()).as(plan).isTrue();
		assertThat(Integer.parseInt(counts.group(1))).as("events read for a batch of 1,000 out of 20,000\n%s", plan)
			.isLessThanOrEqualTo(2_000);
	}

}
