package io.relay.system;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * A query string (or form) that Tomcat cannot decode, such as {@code ?x=%FF}, is the client's mistake: a 400
 * problem. Unhandled, Tomcat answered 400 too but logged an ERROR with a stack trace for every such request, and
 * anyone may send one to the public health path: the log filled up and an alert on its error rate went off. Every
 * handler's parameters (actuator's, the admin API's, their interceptors) are read inside the dispatcher, so one
 * advice covers them; the webhook reads none.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class InvalidParameters {

	private static final Logger logger = LoggerFactory.getLogger(InvalidParameters.class);

	@ExceptionHandler
	ProblemDetail invalidParameter(InvalidParameterException ex) {
		// Its message quotes what the client sent, as Tomcat could decode it: for debugging only.
		logger.debug("Refused a request whose parameters could not be decoded: {}", ex.getMessage());
		return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "The query string could not be decoded: "
				+ "every parameter's name and value must be UTF-8, percent-encoded where needed.");
	}

}
