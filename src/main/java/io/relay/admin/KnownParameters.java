package io.relay.admin;

import java.lang.reflect.Method;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.util.StringUtils;
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

	/** What each endpoint takes, read from its method once. */
	private final Map<Method, Taken> taken = new ConcurrentHashMap<>();

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		if (!(handler instanceof HandlerMethod method)) {
			return true;
		}
		Taken taken = this.taken.computeIfAbsent(method.getMethod(), (key) -> Taken.of(method));
		if (taken.any()) {
			return true;
		}
		for (String name : Collections.list(request.getParameterNames())) {
			if (!taken.names().contains(name)) {
				throw AdminController.badRequest("Unknown parameter '" + name + "': " + (taken.names().isEmpty()
						? "this endpoint takes none" : "this endpoint takes " + String.join(", ", taken.names())));
			}
		}
		return true;
	}

	/**
	 * The names of an endpoint's {@code @RequestParam}s, in their order; {@code any} when one is an unnamed
	 * {@code @RequestParam Map}, which takes every parameter there is.
	 */
	private record Taken(boolean any, Set<String> names) {

		static Taken of(HandlerMethod method) {
			Set<String> names = new LinkedHashSet<>();
			for (MethodParameter parameter : method.getMethodParameters()) {
				RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
				if (param == null) {
					continue;
				}
				if (StringUtils.hasText(param.name())) {
					names.add(param.name());
					continue;
				}
				if (Map.class.isAssignableFrom(parameter.getParameterType())) {
					return new Taken(true, Set.of());
				}
				parameter.initParameterNameDiscovery(NAMES);
				if (parameter.getParameterName() != null) {
					names.add(parameter.getParameterName());
				}
			}
			return new Taken(false, names);
		}

	}

}
