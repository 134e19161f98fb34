package io.relay.workflow.ticket;

import java.time.Instant;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.SatisfactionAnswered;

/**
 * Keeps the CSAT answers of conversations for the ticket workflow's {@code low-satisfaction} condition. Runs only
 * when that condition is configured; its deliveries show under the handler name {@code ticket-satisfaction}.
 */
class SatisfactionHandler implements EventHandler<SatisfactionAnswered> {

	static final String NAME = "ticket-satisfaction";

	private final TicketProperties properties;

	private final Satisfactions satisfactions;

	SatisfactionHandler(TicketProperties properties, Satisfactions satisfactions) {
		this.properties = properties;
		this.satisfactions = satisfactions;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Class<SatisfactionAnswered> eventType() {
		return SatisfactionAnswered.class;
	}

	@Override
	public boolean accepts(SatisfactionAnswered event) {
		return event.conversationId() != null && event.customerSatisfaction() != null
				&& (this.properties.projects().isEmpty()
						|| (event.projectId() != null && this.properties.projects().contains(event.projectId())));
	}

	@Override
	public HandlerResult handle(Delivery<SatisfactionAnswered> delivery) {
		SatisfactionAnswered event = delivery.event();
		if (event.conversationId() == null || event.customerSatisfaction() == null) {
			return HandlerResult.skipped("the answer is not a CSAT answer about a conversation");
		}
		Instant answeredAt = (event.createdAt() != null) ? event.createdAt().toInstant() : delivery.receivedAt();
		this.satisfactions.record(event.conversationId(), event.customerSatisfaction(), answeredAt, event.eventId());
		return HandlerResult.success();
	}

}
