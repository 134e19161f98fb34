package io.relay.system;

import java.net.URI;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Matches a request that a browser sends on behalf of another site: {@code Sec-Fetch-Site} says so, or, from a
 * browser too old to send it, an {@code Origin} other than Relay's own. The admin API takes HTTP Basic without CSRF
 * tokens (curl, scripts), and a browser that has opened the dashboard with the same credentials sends them with any
 * form another site posts to Relay: such requests must still face the CSRF check, which they cannot pass.
 * Non-browser clients send neither header and are not matched.
 */
final class CrossSiteBrowserRequest implements RequestMatcher {

	@Override
	public boolean matches(HttpServletRequest request) {
		String fetchSite = request.getHeader("Sec-Fetch-Site");
		if (fetchSite != null) {
			// "same-origin", or "none" for a request the user made (typed URL, bookmark).
			return !fetchSite.equals("same-origin") && !fetchSite.equals("none");
		}
		String origin = request.getHeader("Origin");
		return origin != null && !sameOrigin(origin, request);
	}

	private static boolean sameOrigin(String origin, HttpServletRequest request) {
		try {
			URI uri = URI.create(origin);
			String host = request.getHeader("Host");
			String authority = (uri.getPort() < 0) ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
			return uri.getHost() != null && host != null && host.equalsIgnoreCase(authority);
		}
		catch (IllegalArgumentException ex) {
			// "null" (a sandboxed frame, a file) or junk: not Relay.
			return false;
		}
	}

}
