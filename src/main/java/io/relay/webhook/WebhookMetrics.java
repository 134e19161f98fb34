package io.relay.webhook;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.relay.event.EventParser;
import org.springframework.stereotype.Component;

/**
 * {@code relay.webhook.deliveries} (by event type, outcome and reason) and {@code relay.webhook.ack} (time from
 * receiving a delivery to acknowledging it).
 */
@Component
class WebhookMetrics {

	private final MeterRegistry registry;

	WebhookMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	void acknowledged(String eventType, boolean duplicate, long nanos) {
		String outcome = duplicate ? "duplicate" : "accepted";
		// Unknown types are tagged as such: a tag per type name a sender makes up would grow without bound.
		String type = EventParser.knownTypes().contains(eventType) ? eventType : "unknown";
		Counter.builder("relay.webhook.deliveries")
			.description("Webhook deliveries by event type and outcome")
			.tag("type", type)
			.tag("outcome", outcome)
			.tag("reason", "none")
			.register(this.registry)
			.increment();
		Timer.builder("relay.webhook.ack")
			.description("Time from receiving a delivery to acknowledging it, store commit included")
			.tag("outcome", outcome)
			.publishPercentileHistogram()
			.register(this.registry)
			.record(nanos, TimeUnit.NANOSECONDS);
	}

	void rejected(WebhookRejection.Reason reason) {
		Counter.builder("relay.webhook.deliveries")
			.description("Webhook deliveries by event type and outcome")
			.tag("type", "none")
			.tag("outcome", "rejected")
			.tag("reason", reason.tag())
			.register(this.registry)
			.increment();
	}

}
