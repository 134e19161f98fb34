package io.relay.system;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Parameters that Tomcat cannot read, such as a query string {@code ?x=%FF} that is not percent-encoded UTF-8, are
 * the client's mistake: a problem with Tomcat's own status for it (400; 413 for a form body over its size limit).
 * Unhandled, Tomcat answered as much but logged an ERROR with a stack trace for every such request, and anyone may
 * send one to the public health path: the log filled up and an alert on its error rate went off. Parameters read
 * inside the dispatcher (actuator's, the admin API's, their interceptors) come here; those a filter reads first
 * (Spring Security's CSRF check, on a POST) are answered by Tomcat's error page, at DEBUG. The webhook reads none.
 * <p>
 * Not ordered first: a multipart upload over its limit fails with Spring's {@code MaxUploadSizeExceededException}
 * around this exception, and Boot's handler answers that one with its 413.
 */
@RestControllerAdvice
class InvalidParameters {

	private static final Logger logger = LoggerFactory.getLogger(InvalidParameters.class);

	@ExceptionHandler
	ProblemDetail invalidParameter(InvalidParameterException ex) {
		// Its message quotes what the client sent, as Tomcat could decode it: for debugging only.
		logger.debug("Refused a request whose parameters could not be read: {}", ex.getMessage());
		HttpStatus status = HttpStatus.resolve(ex.getErrorCode());
		if (status == null || !status.is4xxClientError()) {
			status = HttpStatus.BAD_REQUEST;
		}
		return ProblemDetail.forStatusAndDetail(status, (status == HttpStatus.BAD_REQUEST)
				? "The request's parameters (query string or form body) could not be read: every name and value must "
						+ "be UTF-8, percent-encoded where needed."
				: "The request's parameters (query string or form body) could not be read: " + status.getReasonPhrase()
						+ ".");
	}

}
