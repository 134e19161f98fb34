package io.relay.dispatch.internal;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.IAdvizeEvent;
import io.relay.support.Fixtures;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a planner and its dispatcher need, around one repository, with one handler named 'ordered' (of every event,
 * ordered per conversation, always successful): for tests of the planner and the dispatcher without a Spring context.
 */
record DispatchWiring(DeliveryRepository repository, TransactionTemplate transactions,
		DispatchProperties properties, HandlerRegistry handlers, InstancePresence presence, Clock clock) {

	static DispatchWiring of(DataSource dataSource, DeliveryRepository repository, Clock clock) {
		return of(dataSource, repository, clock, new DataSourceTransactionManager(dataSource));
	}

	/** With the dispatcher's transactions in {@code transactionManager} (the instance's heartbeats not). */
	static DispatchWiring of(DataSource dataSource, DeliveryRepository repository, Clock clock,
			PlatformTransactionManager transactionManager) {
		TransactionTemplate transactions = new TransactionTemplate(transactionManager);
		DispatchProperties properties = TestDispatchProperties.of("unknown-handler-grace=1h");
		HandlerRegistry handlers = new HandlerRegistry(List.of(new Succeeding("ordered")), properties,
				new SimpleMeterRegistry(), clock);
		InstancePresence presence = new InstancePresence(new JdbcTemplate(dataSource),
				new TransactionTemplate(new DataSourceTransactionManager(dataSource)), "relay-1",
				List.of("ordered"), properties, clock);
		return new DispatchWiring(repository, transactions, properties, handlers, presence, clock);
	}

	/** The same, but a dispatcher's stop waits {@code timeout} for running handlers before it interrupts them. */
	DispatchWiring withShutdownTimeout(Duration timeout) {
		return with(this.properties.workers(), this.properties.pollInterval(), timeout);
	}

	/**
	 * The same, but with {@code workers} (four slots each) and a poll every {@code pollInterval}: an hour, say, so
	 * that only a wake-up can start work within a test.
	 */
	DispatchWiring with(int workers, Duration pollInterval) {
		return with(workers, pollInterval, this.properties.shutdownTimeout());
	}

	private DispatchWiring with(int workers, Duration pollInterval, Duration shutdownTimeout) {
		return new DispatchWiring(this.repository, this.transactions,
				TestDispatchProperties.of("unknown-handler-grace=1h", "workers=" + workers,
						"poll-interval=" + pollInterval, "shutdown-timeout=" + shutdownTimeout),
				this.handlers, this.presence, this.clock);
	}

	/** Stores a {@code user.created} event with one {@code PENDING} delivery to 'ordered'; returns the event's id. */
	String storeEventWithDelivery(JdbcTemplate jdbc) {
		Fixtures.Event event = Fixtures.withFreshId("user.created.json");
		Instant now = this.clock.instant();
		jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, 'user.created', 'application/json', ?, ?)", event.eventId(),
				event.body().getBytes(StandardCharsets.UTF_8), Timestamp.from(now));
		this.repository.insert(List.of(new DeliveryRepository.NewDelivery(event.eventId(), "ordered", null, 10)),
				now);
		return event.eventId();
	}

	DeliveryRunner runner() {
		return new DeliveryRunner(this.handlers,
				new DispatchMetrics(new SimpleMeterRegistry(), this.repository, this.clock), this.clock);
	}

	Dispatcher dispatcher(@Nullable DeliveryRunner runner) {
		return new Dispatcher(this.repository, this.transactions, runner, this.presence, this.properties,
				this.clock);
	}

	DeliveryPlanner planner(Dispatcher dispatcher, OrderingLocks locks) {
		return new DeliveryPlanner(this.handlers, this.repository, dispatcher, this.presence, this.properties,
				this.clock, locks);
	}

	/** A handler of every event that succeeds (ordered per conversation, the default). */
	record Succeeding(String name) implements EventHandler<IAdvizeEvent> {

		@Override
		public Class<IAdvizeEvent> eventType() {
			return IAdvizeEvent.class;
		}

		@Override
		public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
			return HandlerResult.success();
		}

	}

}
