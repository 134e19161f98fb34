package io.relay.network;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.security.web.util.matcher.IpAddressMatcher;

/**
 * A set of addresses and CIDR ranges, and the rule that finds the real source of a request behind trusted proxies.
 */
final class SourceAddresses {

	static final String X_FORWARDED_FOR = "X-Forwarded-For";

	private final List<IpAddressMatcher> matchers;

	SourceAddresses(List<String> entries) {
		this.matchers = entries.stream().map(IpAddressMatcher::new).toList();
	}

	boolean isEmpty() {
		return this.matchers.isEmpty();
	}

	/** Whether {@code address} is one of these; anything that is not an IP literal is not. */
	boolean contains(@Nullable String address) {
		if (address == null || address.isBlank()) {
			return false;
		}
		for (IpAddressMatcher matcher : this.matchers) {
			try {
				if (matcher.matches(address)) {
					return true;
				}
			}
			catch (IllegalArgumentException ex) {
				// Not an IP literal (a host name, "unknown", an address with a port): never a match, and no DNS lookup.
				return false;
			}
		}
		return false;
	}

	/**
	 * The address that sent {@code request}, when these are the trusted proxies: the TCP peer, unless it is a
	 * trusted proxy, in which case {@code X-Forwarded-For} is read from right to left (each proxy appends the
	 * address it received the request from) and the first address that is not a trusted proxy is the source. The
	 * left part of the header is written by the client and is never believed.
	 */
	String sourceOf(HttpServletRequest request) {
		String source = request.getRemoteAddr();
		if (!contains(source)) {
			return source;
		}
		List<String> forwarded = forwardedFor(request);
		Collections.reverse(forwarded);
		for (String hop : forwarded) {
			source = hop;
			if (!contains(source)) {
				return source;
			}
		}
		return source;
	}

	/**
	 * A forwarded hop without the port some proxies add ({@code 203.0.113.7:4711}, {@code [2001:db8::1]:4711}):
	 * with it, the hop matched no range and every delivery behind such a proxy was refused.
	 */
	static String withoutPort(String hop) {
		if (hop.startsWith("[")) {
			int end = hop.indexOf(']');
			return (end > 0) ? hop.substring(1, end) : hop;
		}
		int colon = hop.indexOf(':');
		// One colon: IPv4 and a port. More: an IPv6 address, which needs brackets to carry a port.
		return (colon > 0 && colon == hop.lastIndexOf(':')) ? hop.substring(0, colon) : hop;
	}

	private static List<String> forwardedFor(HttpServletRequest request) {
		List<String> hops = new ArrayList<>();
		for (String header : Collections.list(request.getHeaders(X_FORWARDED_FOR))) {
			for (String hop : header.split(",")) {
				if (!hop.isBlank()) {
					hops.add(withoutPort(hop.trim()));
				}
			}
		}
		return hops;
	}

}
