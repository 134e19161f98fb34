package io.relay.system;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;

/**
 * The webhook's delivery counter, {@code relay.webhook.deliveries}, in one place: for the webhook itself and for
 * the filters that refuse a delivery before it reaches the webhook (a source outside the allow-list, a request the
 * firewall refuses) and for Tomcat's own refusals ({@link ProblemReportValve}), so that every refusal is counted
 * beside the others with the same name, tags and description. Here, in the module everything may depend on,
 * because the firewall's handler and the valve (this module) and the source filter (network) count on it too.
 */
public final class WebhookDeliveries {

	private WebhookDeliveries() {
	}

	/** Whether a request refused before it reached the webhook was meant for it (and so counts as a delivery). */
	static boolean isWebhookPath(@Nullable String uri) {
		return uri != null && uri.startsWith("/webhooks/");
	}

	/** The counter of deliveries refused for {@code reason}, before their event type is known. */
	public static Counter refused(MeterRegistry meters, String reason) {
		return counter(meters, "none", "rejected", reason);
	}

	/** The counter of deliveries with this event type, outcome and reason. */
	public static Counter counter(MeterRegistry meters, String type, String outcome, String reason) {
		return Counter.builder("relay.webhook.deliveries")
			.description("Webhook deliveries by event type and outcome")
			.tag("type", type)
			.tag("outcome", outcome)
			.tag("reason", reason)
			.register(meters);
	}

}
