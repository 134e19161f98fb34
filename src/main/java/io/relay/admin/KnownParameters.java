package io.relay.admin;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.MethodParameter;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a parameter that the admin API's endpoint does not take, with a {@code 400} naming those it takes. Spring
 * MVC ignores one, so a misspelt filter ({@code POST /admin/api/deliveries/replay?handlr=lead}) would widen the
 * request instead of failing: every dead delivery of every handler replayed, or every event listed as if none
 * matched the filter. The parameters are the query's and a form body's ({@code curl -d handlr=lead} binds as well);
 * a multipart upload is parsed before this runs, so reading its fields costs nothing more. For the same reason, a
 * body that an endpoint would not read (JSON, say) is refused with a {@code 415}, and a parameter given twice, or
 * with a NUL character, with a {@code 400}.
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
		if (!taken.readsBody() && hasBody(request) && !isForm(request)) {
			// Spring MVC would not read it: '-d {"handler":"lead"}' with a JSON type would replay every handler's.
			throw AdminController.problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "This endpoint reads no "
					+ request.getContentType() + " body: give its parameters in the query string"
					+ (taken.names().isEmpty() ? "" : " (" + String.join(", ", taken.names()) + ")")
					+ " or as a form (application/x-www-form-urlencoded)");
		}
		for (String name : Collections.list(request.getParameterNames())) {
			if (!taken.any() && !taken.names().contains(name)) {
				throw AdminController.badRequest("Unknown parameter '" + name + "': " + (taken.names().isEmpty()
						? "this endpoint takes none" : "this endpoint takes " + String.join(", ", taken.names())));
			}
			// A NUL, which PostgreSQL refuses in text: a 400 here rather than a 500 from the database.
			String[] values = request.getParameterValues(name);
			if (Arrays.stream(values).anyMatch((value) -> value.indexOf('\0') >= 0)) {
				throw AdminController.badRequest("Parameter '" + name + "' contains a NUL character (%00)");
			}
			// Given twice, Spring MVC would read the first value of an enum or a number, the values of a text joined
			// with commas: another question than the one asked. (An empty value means something to some endpoints,
			// "every status" to the promo-code list: the endpoints decide.)
			if (!taken.any() && values.length > 1) {
				throw AdminController.badRequest("Parameter '" + name + "' is given " + values.length + " times: "
						+ "give it once");
			}
		}
		return true;
	}

	private static boolean hasBody(HttpServletRequest request) {
		return request.getContentLengthLong() > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
	}

	/** A form, whose fields are the request's parameters: URL-encoded ({@code curl -d}) or multipart ({@code -F}). */
	private static boolean isForm(HttpServletRequest request) {
		String type = request.getContentType();
		if (type == null) {
			return false;
		}
		try {
			MediaType parsed = MediaType.parseMediaType(type);
			return MediaType.APPLICATION_FORM_URLENCODED.includes(parsed) || MediaType.MULTIPART_FORM_DATA.includes(parsed);
		}
		catch (InvalidMediaTypeException ex) {
			return false;
		}
	}

	/**
	 * The names of an endpoint's {@code @RequestParam}s, in their order; {@code any} when one is an unnamed
	 * {@code @RequestParam Map}, which takes every parameter there is; {@code readsBody} when it reads the request's
	 * body itself (a {@code @RequestBody}, a {@code @RequestPart}, the request, or a mapping that says what it
	 * consumes).
	 */
	private record Taken(boolean any, Set<String> names, boolean readsBody) {

		static Taken of(HandlerMethod method) {
			Set<String> names = new LinkedHashSet<>();
			boolean any = false;
			boolean readsBody = consumes(method);
			for (MethodParameter parameter : method.getMethodParameters()) {
				readsBody |= parameter.hasParameterAnnotation(RequestBody.class)
						|| parameter.hasParameterAnnotation(RequestPart.class)
						|| ServletRequest.class.isAssignableFrom(parameter.getParameterType());
				RequestParam param = parameter.getParameterAnnotation(RequestParam.class);
				if (param == null) {
					continue;
				}
				if (StringUtils.hasText(param.name())) {
					names.add(param.name());
					continue;
				}
				if (Map.class.isAssignableFrom(parameter.getParameterType())) {
					any = true;
					continue;
				}
				parameter.initParameterNameDiscovery(NAMES);
				if (parameter.getParameterName() != null) {
					names.add(parameter.getParameterName());
				}
			}
			return new Taken(any, any ? Set.of() : names, readsBody);
		}

		private static boolean consumes(HandlerMethod method) {
			RequestMapping mapping = AnnotatedElementUtils.findMergedAnnotation(method.getMethod(),
					RequestMapping.class);
			return mapping != null && mapping.consumes().length > 0;
		}

	}

}
