package io.relay.webhook;

import org.springframework.http.HttpStatus;

/**
 * A delivery refused with a 4xx answer. Nothing of it is stored as an event.
 */
class WebhookRejection extends RuntimeException {

	private final Reason reason;

	WebhookRejection(Reason reason, String message) {
		super(message, null, false, false);
		this.reason = reason;
	}

	Reason reason() {
		return this.reason;
	}

	enum Reason {

		SIGNATURE(HttpStatus.UNAUTHORIZED, "Invalid signature"),

		MALFORMED(HttpStatus.BAD_REQUEST, "Malformed event"),

		TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "Body too large"),

		UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "Event store unavailable");

		private final HttpStatus status;

		private final String title;

		Reason(HttpStatus status, String title) {
			this.status = status;
			this.title = title;
		}

		HttpStatus status() {
			return this.status;
		}

		String title() {
			return this.title;
		}

		String tag() {
			return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
		}

	}

}
