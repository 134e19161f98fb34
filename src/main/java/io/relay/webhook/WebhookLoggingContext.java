package io.relay.webhook;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts iAdvize's {@code X-iAdvize-CorrelationId} and {@code X-iAdvize-Delivery} into the logging context of a
 * webhook request ({@code correlationId}, {@code deliveryId}; the controller adds {@code eventId} once parsed), so
 * that every log line about a delivery, plain or structured JSON, can be traced back to it. Header values are cut
 * to 100 characters: they come from the network.
 */
@Component
class WebhookLoggingContext extends OncePerRequestFilter {

	static final String EVENT_ID = "eventId";

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		return !request.getRequestURI().startsWith("/webhooks/");
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		try {
			put("correlationId", request.getHeader(WebhookController.CORRELATION));
			put("deliveryId", request.getHeader(WebhookController.DELIVERY));
			chain.doFilter(request, response);
		}
		finally {
			MDC.remove("correlationId");
			MDC.remove("deliveryId");
			MDC.remove(EVENT_ID);
		}
	}

	private static void put(String key, String value) {
		if (value != null) {
			MDC.put(key, (value.length() <= 100) ? value : value.substring(0, 100));
		}
	}

}
