package io.relay.support;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.IAdvizeEvent;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A test handler that records every run (start, end, instance) in a table of its own, so that tests across
 * processes and instances can check what ran where and when. Only with {@code relay.test.recording-handler=true};
 * {@code relay.test.recording-handler-millis} makes each run take that long, to have runs in flight; {@link #hold()}
 * makes runs wait, deaf to interrupts, until the test lets them go, as a handler stuck in code that does not answer
 * interrupts would.
 */
@Component
@ConditionalOnBooleanProperty("relay.test.recording-handler")
public class RecordingHandler implements EventHandler<IAdvizeEvent> {

	private final JdbcTemplate jdbc;

	private final long millis;

	/** The event types it accepts ({@code relay.test.recording-handler-types}); every type when empty. */
	private final java.util.Set<String> types;

	private static final AtomicInteger held = new AtomicInteger();

	private static volatile @Nullable CountDownLatch gate;

	private final String instance = java.util.UUID.randomUUID().toString();

	RecordingHandler(JdbcTemplate jdbc, org.springframework.core.env.Environment environment) {
		this.jdbc = jdbc;
		this.millis = environment.getProperty("relay.test.recording-handler-millis", Long.class, 0L);
		this.types = java.util.Set.of(environment.getProperty("relay.test.recording-handler-types", String[].class,
				new String[0]));
		jdbc.execute("create table if not exists test_handler_run (delivery_id bigint not null, event_id varchar(255) "
				+ "not null, instance varchar(64) not null, started_at timestamp(6) with time zone not null, "
				+ "finished_at timestamp(6) with time zone not null)");
	}

	/**
	 * Holds every run that starts from now on until the returned latch is counted down: call before starting Relay,
	 * count down when done (also in a {@code finally}).
	 */
	public static CountDownLatch hold() {
		CountDownLatch latch = new CountDownLatch(1);
		held.set(0);
		gate = latch;
		return latch;
	}

	/** How many runs are waiting at the hold, or went through it. */
	public static int held() {
		return held.get();
	}

	/** Waits for the latch as code that does not answer interrupts would (the interrupt is kept for later). */
	public static void awaitIgnoringInterrupts(CountDownLatch latch) {
		boolean interrupted = false;
		while (latch.getCount() > 0) {
			try {
				latch.await();
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public String name() {
		return "recording";
	}

	@Override
	public Class<IAdvizeEvent> eventType() {
		return IAdvizeEvent.class;
	}

	@Override
	public boolean accepts(IAdvizeEvent event) {
		return this.types.isEmpty() || this.types.contains(event.eventType());
	}

	@Override
	public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
		Instant started = Instant.now();
		if (this.millis > 0) {
			// Simulated work, so that a test can kill or stop Relay while deliveries are in flight.
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(this.millis));
		}
		CountDownLatch hold = gate;
		if (hold != null) {
			held.incrementAndGet();
			awaitIgnoringInterrupts(hold);
		}
		this.jdbc.update("insert into test_handler_run values (?, ?, ?, ?, ?)", delivery.id(),
				delivery.event().eventId(), this.instance, Timestamp.from(started), Timestamp.from(Instant.now()));
		return HandlerResult.success();
	}

}
