package io.relay.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.IAdvizeEvent;
import io.relay.inbox.EventsStored;
import io.relay.inbox.IncomingEvent;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The benchmark's no-op handler, with the stamps it needs: the commit of each event (an after-commit callback
 * ordered before the dispatcher's wake-up, as the dispatch anchors take theirs) and the start of its handler run.
 * Only with {@code relay.test.bench-handler=true}.
 */
@Component
@ConditionalOnBooleanProperty("relay.test.bench-handler")
class BenchHandler implements EventHandler<IAdvizeEvent> {

	final Map<String, Long> committed = new ConcurrentHashMap<>();

	final Map<String, Long> started = new ConcurrentHashMap<>();

	final AtomicInteger runs = new AtomicInteger();

	final AtomicInteger duplicates = new AtomicInteger();

	final AtomicLong lastEnd = new AtomicLong();

	@Override
	public String name() {
		return "bench";
	}

	@Override
	public Class<IAdvizeEvent> eventType() {
		return IAdvizeEvent.class;
	}

	@Override
	public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
		long now = System.nanoTime();
		if (this.started.putIfAbsent(delivery.event().eventId(), now) != null) {
			this.duplicates.incrementAndGet();
		}
		this.runs.incrementAndGet();
		this.lastEnd.accumulateAndGet(System.nanoTime(), Math::max);
		return HandlerResult.success();
	}

	@EventListener
	@Order(Ordered.HIGHEST_PRECEDENCE)
	void stampCommit(EventsStored stored) {
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				long now = System.nanoTime();
				for (IncomingEvent event : stored.events()) {
					BenchHandler.this.committed.put(event.eventId(), now);
				}
			}

			@Override
			public int getOrder() {
				return Ordered.HIGHEST_PRECEDENCE;
			}
		});
	}

	void reset() {
		this.committed.clear();
		this.started.clear();
		this.runs.set(0);
		this.duplicates.set(0);
		this.lastEnd.set(0);
	}

}
