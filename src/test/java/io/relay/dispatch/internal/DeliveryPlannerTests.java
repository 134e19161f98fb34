package io.relay.dispatch.internal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.EventParser;
import io.relay.event.IAdvizeEvent;
import io.relay.event.PayloadFormat;
import io.relay.inbox.EventsStored;
import io.relay.inbox.IncomingEvent;
import io.relay.support.Fixtures;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The planner's locks when planning fails inside the inbox transaction.
 */
class DeliveryPlannerTests {

	private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

	@Test
	void anErrorWhilePlanningReleasesTheConversationsLocks() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("planner-error");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		// Out of memory while writing the batch's deliveries, say: after the conversation's lock was taken.
		DeliveryRepository failing = new DeliveryRepository(jdbc) {

			@Override
			void insert(List<NewDelivery> deliveries, Instant now) {
				throw new OutOfMemoryError("building the statement");
			}

		};
		OrderingLocks locks = new OrderingLocks(failing);
		DeliveryPlanner planner = planner(dataSource, failing, locks);
		TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		IncomingEvent closed = event("v2.conversation.closed.json");

		assertThatExceptionOfType(OutOfMemoryError.class).isThrownBy(() -> transactions
			.executeWithoutResult((status) -> planner.plan(new EventsStored(List.of(closed)))));

		// The next transaction of that conversation, on another writer thread, gets its lock.
		String key = DeliveryRepository.orderingLock("ordered", closed.event().conversationId());
		CompletableFuture<Boolean> next = CompletableFuture.supplyAsync(() -> {
			List<ReentrantLock> held = new ArrayList<>();
			try {
				transactions.executeWithoutResult((status) -> locks.lock(List.of(key), held));
				return true;
			}
			finally {
				OrderingLocks.unlock(held);
			}
		}, (task) -> Thread.ofPlatform().daemon().start(task));
		assertThat(next.get(10, TimeUnit.SECONDS)).isTrue();
	}

	private static DeliveryPlanner planner(DataSource dataSource, DeliveryRepository repository, OrderingLocks locks) {
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
		DispatchProperties properties = new DispatchProperties(16, Duration.ofMillis(500), Duration.ofMinutes(5),
				Duration.ofSeconds(20), Duration.ofHours(1), Duration.ofSeconds(5), Duration.ofHours(1),
				Duration.ofSeconds(10), new DispatchProperties.HandlerSettings(null, null, null, null, null), Map.of());
		Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
		HandlerRegistry handlers = new HandlerRegistry(List.of(new Ordered()), properties, new SimpleMeterRegistry(),
				clock);
		InstancePresence presence = new InstancePresence(jdbc, transactions, "relay-1", List.of("ordered"),
				properties, clock);
		// Never started: no slot to reserve, so every delivery goes the claimer's way (inserted PENDING).
		Dispatcher dispatcher = new Dispatcher(repository, transactions, null, presence, properties, clock);
		return new DeliveryPlanner(handlers, repository, dispatcher, presence, properties, clock, locks);
	}

	private static IncomingEvent event(String fixture) throws Exception {
		byte[] body = Fixtures.withFreshId(fixture).body().getBytes(StandardCharsets.UTF_8);
		IAdvizeEvent event = new EventParser().parse(body, PayloadFormat.JSON, null, null);
		return new IncomingEvent(event, "application/json", body, null, null, NOW);
	}

	/** A handler of every event, ordered per conversation (the default). */
	private static final class Ordered implements EventHandler<IAdvizeEvent> {

		@Override
		public String name() {
			return "ordered";
		}

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
