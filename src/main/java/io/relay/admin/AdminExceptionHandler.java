package io.relay.admin;

import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Says what a query parameter or path variable accepts when its value does not convert: Spring's own answer
 * ("Failed to convert 'status' with value: 'dead'") names neither the values nor the format. Before Boot's
 * problem-details handler, which would answer first.
 */
@RestControllerAdvice(assignableTypes = { AdminController.class, QuarantineController.class })
@Order(Ordered.HIGHEST_PRECEDENCE)
class AdminExceptionHandler {

	@ExceptionHandler
	ProblemDetail typeMismatch(MethodArgumentTypeMismatchException ex) {
		if ("".equals(ex.getValue())) {
			// An unset shell variable: as the other filters of the event list.
			return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, AdminController.emptyFilter(ex.getName()));
		}
		Class<?> type = ex.getParameter().getParameterType();
		String expected;
		if (type.isEnum()) {
			expected = "one of " + Arrays.stream(type.getEnumConstants()).map(String::valueOf)
				.collect(Collectors.joining(", "));
		}
		else if (type == Instant.class) {
			expected = "an ISO-8601 instant such as 2026-11-25T10:00:00Z";
		}
		else if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
			expected = "a whole number";
		}
		else {
			expected = "a " + type.getSimpleName();
		}
		return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
				ex.getName() + " must be " + expected + " (was '" + given(ex.getValue()) + "')");
	}

	/** A parameter given twice arrives as an array. */
	private static String given(@Nullable Object value) {
		return (value instanceof String[] values) ? String.join("', '", values) : String.valueOf(value);
	}

}
