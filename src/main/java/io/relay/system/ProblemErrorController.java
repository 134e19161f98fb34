package io.relay.system;

import java.net.URI;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers what reaches the servlet container's error page (Spring Security's 401 and 403, an exception no handler
 * turned into a problem, a body cut short of its Content-Length) with an RFC 9457 problem, like every other refusal
 * of Relay, instead of Boot's error JSON. The exception's message is never echoed: it may quote a header or a
 * value; the log has it.
 */
@RestController
@Hidden
class ProblemErrorController implements ErrorController {

	@RequestMapping("${spring.web.error.path:${error.path:/error}}")
	ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
		ProblemDetail problem = problem(request);
		return ResponseEntity.status(problem.getStatus())
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.body(problem);
	}

	/** The problem for the error dispatch of {@code request}: its status, a fixed detail, the path as instance. */
	static ProblemDetail problem(HttpServletRequest request) {
		HttpStatus status = status(request);
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail(status));
		Object path = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
		if (path instanceof String uri && !uri.isEmpty()) {
			try {
				problem.setInstance(URI.create(uri));
			}
			catch (IllegalArgumentException ex) {
				// Not a URI reference as such: left out.
			}
		}
		return problem;
	}

	private static HttpStatus status(HttpServletRequest request) {
		Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		if (code == null) {
			// Not an error dispatch: the error page asked for by its address (a scanner, say). Nothing failed, and a
			// 500 would show in the server-error rate and its alert.
			return HttpStatus.NOT_FOUND;
		}
		HttpStatus status = (code instanceof Integer value) ? HttpStatus.resolve(value) : null;
		return (status != null && status.isError()) ? status : HttpStatus.INTERNAL_SERVER_ERROR;
	}

	private static String detail(HttpStatus status) {
		return switch (status) {
			case UNAUTHORIZED -> "This needs the admin credentials (HTTP Basic, spring.security.user.name and "
					+ "spring.security.user.password).";
			case FORBIDDEN -> "Refused: a browser request made on behalf of another site cannot use the admin "
					+ "credentials, and a form needs its CSRF token.";
			case NOT_FOUND -> "Nothing here.";
			case INTERNAL_SERVER_ERROR -> "Relay failed to answer this request; its log says why.";
			default -> status.getReasonPhrase() + ".";
		};
	}

}
