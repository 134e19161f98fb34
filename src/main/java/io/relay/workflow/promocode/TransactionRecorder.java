package io.relay.workflow.promocode;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.TransactionAttributed;

/**
 * {@code promo-code-transactions}: remembers which conversations had a transaction attributed, for the
 * {@code require-transaction} condition.
 */
class TransactionRecorder implements EventHandler<TransactionAttributed> {

	static final String NAME = "promo-code-transactions";

	private final PromoCodeTransactions transactions;

	TransactionRecorder(PromoCodeTransactions transactions) {
		this.transactions = transactions;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Class<TransactionAttributed> eventType() {
		return TransactionAttributed.class;
	}

	@Override
	public boolean accepts(TransactionAttributed event) {
		return event.conversationId() != null && !event.conversationId().isBlank();
	}

	@Override
	public HandlerResult handle(Delivery<TransactionAttributed> delivery) {
		this.transactions.record(delivery.event().eventId(), delivery.event().conversationId(), delivery.receivedAt());
		return HandlerResult.success();
	}

}
