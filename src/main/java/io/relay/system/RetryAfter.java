package io.relay.system;

import java.time.Duration;
import java.time.Instant;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;

/**
 * Reads a {@code Retry-After} header (RFC 9110, section 10.2.3): a number of seconds, or an HTTP date, read by
 * Spring's {@link HttpHeaders#getFirstDate} (the usual form, RFC 850's, and most of asctime's). One reading for every
 * client Relay has (iAdvize's APIs, outbound targets); each applies its own ceiling.
 */
public final class RetryAfter {

	private RetryAfter() {
	}

	/**
	 * How long the answer's {@code Retry-After} asks to wait from {@code now}: zero for a date already past;
	 * {@code null} when the header is missing, blank, negative, or neither a number nor an HTTP date.
	 */
	public static @Nullable Duration of(HttpHeaders headers, Instant now) {
		String value = headers.getFirst(HttpHeaders.RETRY_AFTER);
		if (value == null || value.isBlank()) {
			return null;
		}
		String text = value.strip();
		try {
			long seconds = Long.parseLong(text);
			return (seconds >= 0) ? Duration.ofSeconds(seconds) : null;
		}
		catch (NumberFormatException ex) {
			// an HTTP date, then
		}
		try {
			HttpHeaders date = new HttpHeaders();
			date.set(HttpHeaders.RETRY_AFTER, text); // stripped: Spring reads no padded date
			Duration wait = Duration.between(now, Instant.ofEpochMilli(date.getFirstDate(HttpHeaders.RETRY_AFTER)));
			return wait.isNegative() ? Duration.ZERO : wait;
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

}
