package io.relay.admin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
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
 * Refuses a query parameter that the admin API's endpoint does not take, with a {@code 400} naming those it takes.
 * Spring MVC ignores one, so a misspelt filter ({@code POST /admin/api/deliveries/replay?handlr=lead}) would widen
 * the request instead of failing: every dead delivery of every handler replayed, or every event listed as if none
 * matched the filter.
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
		for (String name : queryNames(request.getQueryString())) {
			if (!taken.contains(name)) {
				String detail = "Unknown parameter '" + name + "': " + (taken.isEmpty() ? "this endpoint takes none"
						: "this endpoint takes " + String.join(", ", taken));
				throw new ErrorResponseException(HttpStatus.BAD_REQUEST,
						ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail), null);
			}
		}
		return true;
	}

	/**
	 * The query's parameter names only: a form's fields (a multipart upload's) are the body's business, and reading
	 * them here would parse the body before the endpoint does.
	 */
	private static Set<String> queryNames(@Nullable String query) {
		Set<String> names = new LinkedHashSet<>();
		if (query != null) {
			for (String pair : query.split("&")) {
				String name = pair.substring(0, (pair.indexOf('=') >= 0) ? pair.indexOf('=') : pair.length());
				if (!name.isEmpty()) {
					names.add(decoded(name));
				}
			}
		}
		return names;
	}

	private static String decoded(String name) {
		try {
			return URLDecoder.decode(name, StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			return name; // not percent-encoding: no endpoint takes it either way
		}
	}

	/** A {@code @RequestParam Map} takes every parameter there is. */
	private static boolean takesAny(HandlerMethod method) {
		for (MethodParameter parameter : method.getMethodParameters()) {
			if (parameter.hasParameterAnnotation(RequestParam.class)
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
