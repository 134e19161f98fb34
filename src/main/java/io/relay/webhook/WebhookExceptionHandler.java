package io.relay.webhook;

import java.time.Clock;
import java.time.Duration;

import io.relay.inbox.InboxUnavailableException;
import io.relay.system.LogThrottle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Turns refused deliveries into RFC 9457 problem details that say what is wrong.
 */
@RestControllerAdvice(assignableTypes = WebhookController.class)
class WebhookExceptionHandler {

	private static final Logger logger = LoggerFactory.getLogger(WebhookExceptionHandler.class);

	/** While the database is down every delivery fails alike: one line per interval, and the stack trace at DEBUG. */
	private static final Duration UNAVAILABLE_LOG_INTERVAL = Duration.ofSeconds(10);

	/** iAdvize retries after 10 s and then 20 s whatever this says; it helps other senders and proxies. */
	private static final String RETRY_AFTER_SECONDS = "10";

	/**
	 * The challenge of a 401, which RFC 9110 (11.6.1) requires: the credentials are the body's signature, in the
	 * header it names.
	 */
	private static final String SIGNATURE_CHALLENGE = "Signature realm=\"iAdvize webhook\", header=\""
			+ WebhookController.SIGNATURE + "\", algorithm=\"hmac-sha256\"";

	private final LogThrottle unavailableLog;

	WebhookExceptionHandler(Clock clock) {
		this.unavailableLog = new LogThrottle(UNAVAILABLE_LOG_INTERVAL, clock);
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> rejected(WebhookRejection rejection) {
		ResponseEntity.BodyBuilder answer = ResponseEntity.status(rejection.reason().status());
		if (rejection.reason() == WebhookRejection.Reason.SIGNATURE) {
			answer.header(HttpHeaders.WWW_AUTHENTICATE, SIGNATURE_CHALLENGE);
		}
		return answer.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem(rejection.reason(), rejection.getMessage()));
	}

	@ExceptionHandler
	ResponseEntity<ProblemDetail> unavailable(InboxUnavailableException ex) {
		if (this.unavailableLog.allow("unavailable")) {
			logger.warn("Delivery answered 503 so that iAdvize retries: {} (cause: {}; further ones in the next {} s "
					+ "are not logged, relay_webhook_deliveries_total{reason=\"unavailable\"} counts them all)",
					ex.getMessage(), String.valueOf(ex.getCause()), UNAVAILABLE_LOG_INTERVAL.toSeconds());
		}
		logger.debug("Delivery answered 503", ex);
		WebhookRejection.Reason reason = WebhookRejection.Reason.UNAVAILABLE;
		return ResponseEntity.status(reason.status())
			.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem(reason, "The event could not be stored durably (" + ex.getMessage()
					+ "), so it was not accepted: retry later."));
	}

	private static ProblemDetail problem(WebhookRejection.Reason reason, String detail) {
		// Type stays about:blank (so the title is the status phrase, as RFC 9457 asks); "reason" tells the cases apart.
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(reason.status(), detail);
		problem.setProperty("reason", reason.tag());
		return problem;
	}

}
