package io.relay.admin;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.util.StringUtils;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a parameter that the admin API's endpoint does not take, with a {@code 400} naming those it takes. Spring
 * MVC ignores one, so a misspelt filter ({@code POST /admin/api/deliveries/replay?handlr=lead}) would widen the
 * request instead of failing: every dead delivery of every handler replayed, or every event listed as if none
 * matched the filter. The parameters are the query's and a form body's ({@code curl -d handlr=lead} binds as well);
 * a multipart upload is parsed before this runs, so reading its fields costs nothing more.
 */
class KnownParameters implements HandlerInterceptor {

	private static final ParameterNameDiscoverer NAMES = new DefaultParameterNameDiscoverer();

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		if (!(handler instanceof HandlerMethod method)) {
			return true;
		}
		if (takesAny(method)) {
			return true;
		}
		Set<String> taken = taken(method);
		for (String name : Collections.list(request.getParameterNames())) {
			if (!taken.contains(name)) {
				String detail = "Unknown parameter '" + name + "': " + (taken.isEmpty() ? "this endpoint takes none"
						: "this endpoint takes " + String.join(", ", taken));
				throw new ErrorResponseException(HttpStatus.BAD_REQUEST,
						ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail), null);
			}
		}
		return true;
	}

	/** A {@code @RequestParam Map} without a name takes every parameter there is. */
	private static boolean takesAny(HandlerMethod method) {
		for (MethodParameter parameter : method.getMethodParameters()) {
			RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
			if (param != null && !StringUtils.hasText(param.name())
					&& Map.class.isAssignableFrom(parameter.getParameterType())) {
				return true;
			}
		}
		return false;
	}

	/** The names of the method's {@code @RequestParam}s, in their order. */
	private static Set<String> taken(HandlerMethod method) {
		Set<String> taken = new LinkedHashSet<>();
		for (MethodParameter parameter : method.getMethodParameters()) {
			RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
			if (param != null) {
				parameter.initParameterNameDiscovery(NAMES);
				String name = StringUtils.hasText(param.name()) ? param.name() : parameter.getParameterName();
				if (name != null) {
					taken.add(name);
				}
			}
		}
		return taken;
	}

}
