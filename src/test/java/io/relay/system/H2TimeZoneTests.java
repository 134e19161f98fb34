package io.relay.system;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.TimeZone;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * H2 stores instants through the session's time zone: in one with summer time, the repeated autumn hour's second
 * occurrence was stored an hour early.
 */
class H2TimeZoneTests {

	/** 02:30 in Paris for the second time that night (CET, after the clocks went back). */
	private static final Instant SECOND_TIME = Instant.parse("2026-10-25T01:30:00Z");

	@Test
	void anH2UrlGetsUtcUnlessItNamesATimeZone() {
		assertThat(H2TimeZone.inUtc("jdbc:h2:file:./data/relay;WRITE_DELAY=0"))
			.isEqualTo("jdbc:h2:file:./data/relay;TIME ZONE=UTC;WRITE_DELAY=0");
		assertThat(H2TimeZone.inUtc("jdbc:h2:mem:x")).isEqualTo("jdbc:h2:mem:x;TIME ZONE=UTC");
		assertThat(H2TimeZone.inUtc("jdbc:h2:file:./x;USER=u;PASSWORD=p\\"))
			.isEqualTo("jdbc:h2:file:./x;TIME ZONE=UTC;USER=u;PASSWORD=p\\");
		for (String url : List.of("jdbc:h2:file:./x;time zone=Europe/Paris", "jdbc:h2:mem:x;TIME ZONE=UTC",
				"jdbc:postgresql://host/relay")) {
			assertThat(H2TimeZone.inUtc(url)).isEqualTo(url);
		}
	}

	@Test
	void aZoneGivenAsADriverPropertyIsLeftAlone() {
		try (HikariDataSource pool = new HikariDataSource()) {
			pool.setJdbcUrl("jdbc:h2:mem:x");
			pool.addDataSourceProperty("time zone", "Europe/Paris");
			new H2TimeZone().postProcessAfterInitialization(pool, "dataSource");
			assertThat(pool.getJdbcUrl()).isEqualTo("jdbc:h2:mem:x");
		}
	}

	@Test
	void anInstantOfTheRepeatedHourIsStoredAsItIsInAJvmWithSummerTime() {
		TimeZone jvm = TimeZone.getDefault();
		TimeZone.setDefault(TimeZone.getTimeZone("Europe/Paris"));
		try (HikariDataSource pool = new HikariDataSource()) {
			pool.setJdbcUrl("jdbc:h2:mem:time-zone-" + UUID.randomUUID());
			new H2TimeZone().postProcessAfterInitialization(pool, "dataSource");
			JdbcTemplate jdbc = new JdbcTemplate(pool);
			jdbc.execute("create table lease (locked_until timestamp with time zone)");
			jdbc.update("insert into lease values (?)", Timestamp.from(SECOND_TIME));

			assertThat(jdbc.queryForObject("select locked_until from lease", Timestamp.class).toInstant())
				.isEqualTo(SECOND_TIME);
		}
		finally {
			TimeZone.setDefault(jvm);
		}
	}

}
