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

		SIGNATURE(HttpStatus.UNAUTHORIZED),

		MALFORMED(HttpStatus.BAD_REQUEST),

		TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE),

		UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE),

		UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE);

		private final HttpStatus status;

		Reason(HttpStatus status) {
			this.status = status;
		}

		HttpStatus status() {
			return this.status;
		}

		String tag() {
			return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
		}

	}

}
