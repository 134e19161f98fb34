package io.relay.webhook;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.relay.event.EventParser;
import io.relay.system.WebhookDeliveries;
import org.springframework.stereotype.Component;

/**
 * {@code relay.webhook.deliveries} (by event type, outcome and reason) and {@code relay.webhook.ack} (time from
 * receiving a delivery to acknowledging it).
 */
@Component
class WebhookMetrics {

	private final MeterRegistry registry;

	// Meters are looked up once per tag combination, not built on every request.
	private final Map<String, Counter> acknowledged = new ConcurrentHashMap<>();

	private final Map<WebhookRejection.Reason, Counter> rejected = new EnumMap<>(WebhookRejection.Reason.class);

	private final Timer acceptedAck;

	private final Timer duplicateAck;

	private final Counter quarantined;

	WebhookMetrics(MeterRegistry registry) {
		this.registry = registry;
		for (WebhookRejection.Reason reason : WebhookRejection.Reason.values()) {
			this.rejected.put(reason, WebhookDeliveries.refused(registry, reason.tag()));
		}
		this.acceptedAck = ackTimer("accepted");
		this.duplicateAck = ackTimer("duplicate");
		// Not reason="malformed" alone: a body cut short before its Content-Length is malformed too, unsigned (it
		// is refused before its signature can be checked), and anyone can send one.
		this.quarantined = Counter.builder("relay.webhook.quarantined")
			.description("Signed deliveries that were not readable events, kept in the quarantine")
			.register(registry);
	}

	void quarantined() {
		this.quarantined.increment();
	}

	void acknowledged(String eventType, boolean duplicate, long nanos) {
		String outcome = duplicate ? "duplicate" : "accepted";
		// Unknown types are tagged as such: a tag per type name a sender makes up would grow without bound.
		String type = EventParser.knownTypes().contains(eventType) ? eventType : "unknown";
		this.acknowledged
			.computeIfAbsent(type + "|" + outcome, (key) -> WebhookDeliveries.counter(this.registry, type, outcome, "none"))
			.increment();
		(duplicate ? this.duplicateAck : this.acceptedAck).record(nanos, TimeUnit.NANOSECONDS);
	}

	void rejected(WebhookRejection.Reason reason) {
		this.rejected.get(reason).increment();
	}

	private Timer ackTimer(String outcome) {
		return Timer.builder("relay.webhook.ack")
			.description("Time from receiving a delivery to acknowledging it, store commit included")
			.tag("outcome", outcome)
			.publishPercentileHistogram()
			.register(this.registry);
	}

}
