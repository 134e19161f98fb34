package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

import io.relay.system.Databases;
import io.relay.inbox.EventsStored;
import io.relay.inbox.IncomingEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Creates the deliveries of newly stored events inside the inbox's own transaction (a synchronous listener), so
 * that an acknowledged event always has its deliveries.
 * <p>
 * Fast path: while this instance has free slots, new deliveries are inserted already claimed by it and handed to
 * the workers in memory right after the commit, without a claim round trip (a crash before they finish is covered
 * by their lease, like any claim). A delivery that must wait for an earlier one of its conversation is inserted
 * {@code PENDING} for the claimer instead; the check is made under a lock per (handler, conversation), in memory
 * and, on PostgreSQL, across instances ({@link OrderingLocks}), so that two transactions cannot both think they are
 * first.
 */
@Component
class DeliveryPlanner {

	private final HandlerRegistry handlers;

	private final DeliveryRepository repository;

	private final Dispatcher dispatcher;

	private final InstancePresence presence;

	private final DispatchProperties properties;

	private final Clock clock;

	private final OrderingLocks locks;

	DeliveryPlanner(HandlerRegistry handlers, DeliveryRepository repository, Dispatcher dispatcher,
			InstancePresence presence, DispatchProperties properties, Clock clock, OrderingLocks locks) {
		this.handlers = handlers;
		this.repository = repository;
		this.dispatcher = dispatcher;
		this.presence = presence;
		this.properties = properties;
		this.clock = clock;
		this.locks = locks;
	}

	@EventListener
	void plan(EventsStored stored) {
		List<DeliveryRepository.NewDelivery> deliveries = new ArrayList<>();
		Map<String, IncomingEvent> events = new HashMap<>();
		Map<String, DispatchProperties.ResolvedSettings> elsewhere = elsewhere();
		int own = 0;
		for (IncomingEvent incoming : stored.events()) {
			events.put(incoming.eventId(), incoming);
			String conversation = incoming.event().conversationId();
			for (HandlerRegistry.Registered registered : this.handlers.handlersFor(incoming.event())) {
				deliveries.add(new DeliveryRepository.NewDelivery(incoming.eventId(), registered.name(),
						orderingKey(registered.settings(), conversation), registered.settings().maxAttempts()));
				own++;
			}
			// Handlers only other running instances have (a rolling upgrade adding a workflow): their filters are
			// not here, so every event gets a delivery, filtered when it runs there.
			elsewhere.forEach((handler, settings) -> deliveries.add(new DeliveryRepository.NewDelivery(
					incoming.eventId(), handler, orderingKey(settings, conversation), settings.maxAttempts(), true)));
		}
		if (deliveries.isEmpty()) {
			return;
		}
		boolean inTransaction = TransactionSynchronizationManager.isSynchronizationActive();
		int reserved = inTransaction ? this.dispatcher.reserve(own) : 0;
		List<ReentrantLock> held = new ArrayList<>();
		List<DeliveryRepository.NewDelivery> claimed = new ArrayList<>();
		List<DeliveryRepository.NewDelivery> pending = new ArrayList<>();
		boolean pendingOwn = false;
		try {
			// Locked even when nothing can take the fast path: a writer that finds no earlier delivery of a
			// conversation must also see this transaction's, so the two wait for each other.
			Set<String> busy = inTransaction ? lockAndFindBusy(deliveries, held, reserved > 0) : Set.of();
			// After the locks, which may have been waited for: the lease of a delivery started here counts from
			// about when its worker gets it, or another instance could take it up while it still runs here.
			Instant now = this.clock.instant();
			Set<String> seen = new HashSet<>();
			for (DeliveryRepository.NewDelivery delivery : deliveries) {
				if (delivery.filterAtRun()) {
					// For another instance's claimer.
					pending.add(delivery);
					continue;
				}
				String lock = (delivery.orderingKey() != null)
						? DeliveryRepository.orderingLock(delivery.handler(), delivery.orderingKey()) : null;
				boolean first = lock == null || (seen.add(lock) && !busy.contains(lock));
				if (first && claimed.size() < reserved) {
					claimed.add(delivery);
				}
				else {
					pending.add(delivery);
					pendingOwn = true;
				}
			}
			// Claimed first: ids decide the order within a conversation (the claim waits for lower ids), and a
			// claimed delivery always comes first in this batch among those of its conversation and handler.
			Map<Long, DeliveryRepository.NewDelivery> claimedById = claimed.isEmpty() ? Map.of()
					: this.repository.insertClaimed(claimed, now, this.dispatcher.instance(),
							now.plus(this.properties.lease()));
			if (!pending.isEmpty()) {
				this.repository.insert(pending, now);
			}
			this.dispatcher.release(reserved - claimedById.size());
			reserved = claimedById.size();
			if (inTransaction) {
				// Woken for its own pending deliveries only: those planned for other instances are not its to claim.
				afterTransaction(claimedById, events, held, pendingOwn, now);
			}
			else {
				this.dispatcher.wake();
			}
		}
		catch (RuntimeException | Error ex) {
			// An Error too (out of memory while building a batch's statement): a stripe left locked would hold up
			// every later inbox transaction and replay of its conversations, on this writer thread's lock, for good.
			this.dispatcher.giveBack(reserved);
			OrderingLocks.unlock(held);
			throw ex;
		}
	}

	/** The enabled handlers only other running instances have, with their settings (usually none). */
	private Map<String, DispatchProperties.ResolvedSettings> elsewhere() {
		Set<String> handlers = this.presence.othersHandlers();
		if (handlers.isEmpty()) {
			return Map.of();
		}
		Map<String, DispatchProperties.ResolvedSettings> enabled = new HashMap<>();
		for (String handler : handlers) {
			DispatchProperties.ResolvedSettings settings = this.properties.settingsFor(handler);
			if (settings.enabled()) {
				enabled.put(handler, settings);
			}
		}
		return enabled;
	}

	private static @Nullable String orderingKey(DispatchProperties.ResolvedSettings settings,
			@Nullable String conversation) {
		return (settings.ordered() && conversation != null) ? Databases.text(conversation, 255) : null;
	}

	private Set<String> lockAndFindBusy(List<DeliveryRepository.NewDelivery> deliveries, List<ReentrantLock> held,
			boolean findBusy) {
		Set<String> keys = new HashSet<>();
		Set<String> orderingKeys = new HashSet<>();
		for (DeliveryRepository.NewDelivery delivery : deliveries) {
			if (delivery.orderingKey() != null) {
				keys.add(DeliveryRepository.orderingLock(delivery.handler(), delivery.orderingKey()));
				orderingKeys.add(delivery.orderingKey());
			}
		}
		if (keys.isEmpty()) {
			return Set.of();
		}
		this.locks.lock(keys, held);
		return findBusy ? this.repository.unfinishedOrderingKeys(orderingKeys) : Set.of();
	}

	private void afterTransaction(Map<Long, DeliveryRepository.NewDelivery> claimed, Map<String, IncomingEvent> events,
			List<ReentrantLock> held, boolean wake, Instant claimedAt) {
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {

			@Override
			public void afterCommit() {
				claimed.forEach((id, delivery) -> {
					IncomingEvent event = events.get(delivery.eventId());
					DeliveryPlanner.this.dispatcher.submit(new DeliveryRepository.Claimed(id, delivery.eventId(),
							delivery.handler(), 1, 1, delivery.maxAttempts(), event.contentType(), event.payload(),
							event.receivedAt(), delivery.orderingKey() != null, event.event()), claimedAt);
				});
				if (wake) {
					DeliveryPlanner.this.dispatcher.wake();
				}
			}

			@Override
			public void afterCompletion(int status) {
				OrderingLocks.unlock(held);
				if (status != STATUS_COMMITTED) {
					DeliveryPlanner.this.dispatcher.giveBack(claimed.size());
				}
				if (status == STATUS_UNKNOWN && !claimed.isEmpty()) {
					// The commit's answer was lost: it may have gone through, leaving these deliveries RUNNING under
					// this instance's lease with no worker to run them (and an attempt spent). Handed back, they run
					// now; had it rolled back, there is nothing to hand back. Never a wait on the lost transaction
					// (unlike the claimer's hand-back): its rows are its own inserts, invisible to others until it
					// commits.
					DeliveryPlanner.this.dispatcher.handBack(claimed.keySet());
				}
			}

		});
	}

}
