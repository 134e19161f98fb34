package io.relay.system;

import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * With actuator on a port of its own ({@code management.server.port}), that server's error page is Spring Boot's
 * {@code ManagementErrorEndpoint} in the management context, not {@link ProblemErrorController}; it would answer
 * Boot's error JSON. This turns its answer into the same problem as the main port's. (The management context finds
 * this advice in its parent, the application's context; on the main port it has nothing to do.)
 */
@ControllerAdvice
class ManagementErrorProblems implements ResponseBodyAdvice<Object> {

	private static final String MANAGEMENT_ERROR_ENDPOINT = "org.springframework.boot.webmvc.autoconfigure.actuate.web.ManagementErrorEndpoint";

	@Override
	public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
		return MANAGEMENT_ERROR_ENDPOINT.equals(returnType.getContainingClass().getName());
	}

	@Override
	public @Nullable Object beforeBodyWrite(@Nullable Object body, MethodParameter returnType,
			MediaType selectedContentType, Class<? extends HttpMessageConverter<?>> selectedConverterType,
			ServerHttpRequest request, ServerHttpResponse response) {
		if (!(request instanceof ServletServerHttpRequest servlet)) {
			return body;
		}
		ProblemDetail problem = ProblemErrorController.problem(servlet.getServletRequest());
		// The same status on an error dispatch; asked for by its address, the endpoint would answer 200.
		response.setStatusCode(HttpStatusCode.valueOf(problem.getStatus()));
		response.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
		return problem;
	}

}
