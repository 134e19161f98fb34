package io.relay.dispatch.internal;

import java.util.ArrayList;
import java.util.List;

import io.relay.inbox.EventsStored;
import io.relay.inbox.IncomingEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.time.Clock;

/**
 * Creates the deliveries of newly stored events inside the inbox's own transaction (synchronous listener), so
 * that an acknowledged event always has its deliveries, and wakes the dispatcher once that transaction commits.
 */
@Component
class DeliveryPlanner {

	private final HandlerRegistry handlers;

	private final DeliveryRepository repository;

	private final Dispatcher dispatcher;

	private final Clock clock;

	DeliveryPlanner(HandlerRegistry handlers, DeliveryRepository repository, Dispatcher dispatcher, Clock clock) {
		this.handlers = handlers;
		this.repository = repository;
		this.dispatcher = dispatcher;
		this.clock = clock;
	}

	@EventListener
	void plan(EventsStored stored) {
		List<DeliveryRepository.NewDelivery> deliveries = new ArrayList<>();
		for (IncomingEvent incoming : stored.events()) {
			for (HandlerRegistry.Registered registered : this.handlers.handlersFor(incoming.event())) {
				String conversation = incoming.event().conversationId();
				String orderingKey = (registered.settings().ordered() && conversation != null)
						? truncate(conversation) : null;
				deliveries.add(new DeliveryRepository.NewDelivery(incoming.eventId(), registered.name(), orderingKey,
						registered.settings().maxAttempts()));
			}
		}
		if (deliveries.isEmpty()) {
			return;
		}
		this.repository.insert(deliveries, this.clock.instant());
		if (TransactionSynchronizationManager.isSynchronizationActive()) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					DeliveryPlanner.this.dispatcher.wake();
				}
			});
		}
		else {
			this.dispatcher.wake();
		}
	}

	private static String truncate(String key) {
		return (key.length() <= 255) ? key : key.substring(0, 255);
	}

}
