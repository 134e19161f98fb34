package io.relay.system;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Retry-After} as servers send it: seconds or an HTTP date, and what is neither.
 */
class RetryAfterTests {

	private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");

	@Test
	void secondsAreTakenAsTheyAre() {
		assertThat(retryAfter("120")).isEqualTo(Duration.ofSeconds(120));
		assertThat(retryAfter(" 7 ")).isEqualTo(Duration.ofSeconds(7));
		assertThat(retryAfter("0")).isEqualTo(Duration.ZERO);
	}

	@Test
	void anHttpDateIsTheWaitUntilThenInAnyOfItsFormats() {
		assertThat(retryAfter("Sat, 28 Nov 2026 10:01:30 GMT")).isEqualTo(Duration.ofSeconds(90));
		assertThat(retryAfter("Saturday, 28-Nov-26 10:01:30 GMT")).isEqualTo(Duration.ofSeconds(90));
		assertThat(retryAfter("Sat Nov 28 10:01:30 2026")).isEqualTo(Duration.ofSeconds(90));
		assertThat(retryAfter("  Sat, 28 Nov 2026 10:01:30 GMT ")).isEqualTo(Duration.ofSeconds(90));
	}

	@Test
	void aDateAlreadyPastIsNoWait() {
		assertThat(retryAfter("Fri, 27 Nov 2026 10:00:00 GMT")).isEqualTo(Duration.ZERO);
	}

	@Test
	void anythingElseIsNoAnswer() {
		assertThat(RetryAfter.of(new HttpHeaders(), NOW)).isNull();
		assertThat(retryAfter(" ")).isNull();
		assertThat(retryAfter("-5")).isNull();
		assertThat(retryAfter("1.5")).isNull();
		assertThat(retryAfter("soon")).isNull();
		assertThat(retryAfter("2026-11-28T10:01:30Z")).isNull();
		assertThat(retryAfter("99999999999999999999")).isNull();
	}

	private static @Nullable Duration retryAfter(String value) {
		HttpHeaders headers = new HttpHeaders();
		headers.set(HttpHeaders.RETRY_AFTER, value);
		return RetryAfter.of(headers, NOW);
	}

}
