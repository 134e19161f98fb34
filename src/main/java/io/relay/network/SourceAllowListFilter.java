package io.relay.network;

import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.relay.system.LogText;
import io.relay.system.LogThrottle;
import io.relay.system.WebhookDeliveries;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers 403 with an RFC 9457 problem to deliveries whose source is not in {@code relay.network.allowed-sources},
 * before anything reads their body.
 */
class SourceAllowListFilter extends OncePerRequestFilter {

	static final String PROBLEM_TYPE = "https://github.com/relay-iadvize/relay/blob/main/docs/operations.md"
			+ "#restricting-who-may-deliver-the-source-allow-list";

	private static final Logger logger = LoggerFactory.getLogger(SourceAllowListFilter.class);

	private final SourceAddresses allowed;

	private final SourceAddresses trustedProxies;

	private final JsonMapper json;

	private final Counter refused;

	private final RefusedSources refusedSources;

	SourceAllowListFilter(NetworkProperties properties, JsonMapper json, MeterRegistry meters, Clock clock) {
		this.refusedSources = new RefusedSources(clock);
		this.allowed = new SourceAddresses(properties.allowedSources());
		this.trustedProxies = new SourceAddresses(properties.trustedProxies());
		this.json = json;
		// The webhook's own counter, so that refused sources show up beside the other refusals.
		this.refused = WebhookDeliveries.refused(meters, "source");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String source = this.trustedProxies.sourceOf(request);
		if (this.allowed.contains(source)) {
			chain.doFilter(request, response);
			return;
		}
		this.refused.increment();
		String printable = LogText.printable(source);
		LogThrottle.Decision decision = this.refusedSources.warnFor(printable);
		if (decision == LogThrottle.Decision.LOG) {
			logger.warn("Refused a webhook delivery from {} (TCP peer {}): not in relay.network.allowed-sources. If "
					+ "iAdvize delivers from a new address, add it (iAdvize retries a refused delivery only twice). "
					+ "Further refusals from {} are counted (relay_webhook_deliveries_total, reason=source) and "
					+ "logged again after {}", printable, request.getRemoteAddr(), printable, RefusedSources.QUIET);
		}
		else if (decision == LogThrottle.Decision.BUDGET_SPENT) {
			logger.warn("Refused webhook deliveries from more than {} sources not in relay.network.allowed-sources "
					+ "within {}: refusals from further sources (now {}, TCP peer {}) are only counted "
					+ "(relay_webhook_deliveries_total, reason=source) until {}", RefusedSources.SOURCES_PER_QUIET,
					RefusedSources.QUIET, printable, LogText.printable(request.getRemoteAddr()),
					this.refusedSources.quietUntil());
		}
		else {
			logger.debug("Refused a request to {} from {} (TCP peer {}): not in relay.network.allowed-sources",
					request.getRequestURI(), printable, request.getRemoteAddr());
		}
		Map<String, Object> problem = new LinkedHashMap<>();
		problem.put("type", PROBLEM_TYPE);
		problem.put("title", "Source not allowed");
		problem.put("status", HttpStatus.FORBIDDEN.value());
		problem.put("detail", "Deliveries from " + source + " are not accepted: the address is not in "
				+ "relay.network.allowed-sources.");
		problem.put("instance", request.getRequestURI());
		problem.put("reason", "source");
		response.setStatus(HttpStatus.FORBIDDEN.value());
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		this.json.writeValue(response.getOutputStream(), problem);
	}

}
