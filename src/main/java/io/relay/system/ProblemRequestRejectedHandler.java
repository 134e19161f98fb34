package io.relay.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Answers a request that Spring Security's firewall refuses (a control character in a header, a {@code ..} segment in
 * the path...) with an RFC 9457 problem, like every other refusal of Relay, instead of Boot's error JSON. The
 * firewall's message is not echoed: it quotes the offending header value, which may be a credential.
 */
class ProblemRequestRejectedHandler implements RequestRejectedHandler {

	private static final Logger logger = LoggerFactory.getLogger(ProblemRequestRejectedHandler.class);

	private static final byte[] PROBLEM = ("{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,"
			+ "\"detail\":\"The request was rejected: its method, its URL or one of its headers holds something not "
			+ "allowed (for example a control character in a header, or a '..' segment in the path).\","
			+ "\"reason\":\"rejected\"}")
		.getBytes(StandardCharsets.UTF_8);

	private final Counter webhookRejections;

	ProblemRequestRejectedHandler(MeterRegistry meters) {
		// The webhook's own counter, so that these show up beside the other refusals.
		this.webhookRejections = WebhookDeliveries.refused(meters, "rejected");
	}

	@Override
	public void handle(HttpServletRequest request, HttpServletResponse response,
			RequestRejectedException requestRejectedException) throws IOException {
		if (WebhookDeliveries.isWebhookPath(request.getRequestURI())) {
			this.webhookRejections.increment();
		}
		// Not the exception's message: it quotes the offending value.
		logger.debug("Request {} {} rejected by the firewall", request.getMethod(), request.getRequestURI());
		if (response.isCommitted()) {
			return;
		}
		response.resetBuffer();
		response.setStatus(HttpStatus.BAD_REQUEST.value());
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		response.setContentLength(PROBLEM.length);
		response.getOutputStream().write(PROBLEM);
	}

}
