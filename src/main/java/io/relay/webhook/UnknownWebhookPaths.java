package io.relay.webhook;

import java.io.IOException;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.relay.system.WebhookDeliveries;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Counts the signed POSTs under {@code /webhooks/} that no endpoint takes ({@code /webhooks/iAdvize}: a callback URL
 * misspelt in iAdvize), answered 404 by Spring: every event sent there is lost once iAdvize's two retries are
 * spent, and nothing else in the webhook's metrics would show it ({@code reason="not-found"}).
 */
@Component
class UnknownWebhookPaths extends OncePerRequestFilter {

	private final Counter notFound;

	UnknownWebhookPaths(MeterRegistry meters) {
		this.notFound = WebhookDeliveries.refused(meters, "not-found");
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		// Signed requests only (every iAdvize delivery is): anyone can POST anything anywhere, and an alert that one
		// unsigned request sets off would say nothing.
		return !"POST".equals(request.getMethod()) || !request.getRequestURI().startsWith("/webhooks/")
				|| request.getHeader(WebhookController.SIGNATURE) == null;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		chain.doFilter(request, response);
		if (response.getStatus() == HttpStatus.NOT_FOUND.value()) {
			this.notFound.increment();
		}
	}

}
