package io.relay.support;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.IAdvizeEvent;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A test handler that records every run (start, end, instance) in a table of its own, so that tests across
 * processes and instances can check what ran where and when. Only with {@code relay.test.recording-handler=true};
 * {@code relay.test.recording-handler-millis} makes each run take that long, to have runs in flight;
 * {@code relay.test.recording-handler-ignores-interrupt=true} makes it take that long even when interrupted, as a
 * handler blocked in code that does not answer interrupts would.
 */
@Component
@ConditionalOnBooleanProperty("relay.test.recording-handler")
public class RecordingHandler implements EventHandler<IAdvizeEvent> {

	private final JdbcTemplate jdbc;

	private final long millis;

	private final boolean ignoresInterrupt;

	private final String instance = java.util.UUID.randomUUID().toString();

	RecordingHandler(JdbcTemplate jdbc, org.springframework.core.env.Environment environment) {
		this.jdbc = jdbc;
		this.millis = environment.getProperty("relay.test.recording-handler-millis", Long.class, 0L);
		this.ignoresInterrupt = environment.getProperty("relay.test.recording-handler-ignores-interrupt",
				Boolean.class, false);
		jdbc.execute("create table if not exists test_handler_run (delivery_id bigint not null, event_id varchar(255) "
				+ "not null, instance varchar(64) not null, started_at timestamp(6) with time zone not null, "
				+ "finished_at timestamp(6) with time zone not null)");
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
	public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
		Instant started = Instant.now();
		if (this.millis > 0) {
			// Simulated work, so that a test can kill or stop Relay while deliveries are in flight.
			long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(this.millis);
			do {
				LockSupport.parkNanos(end - System.nanoTime());
			}
			while (this.ignoresInterrupt && System.nanoTime() < end);
		}
		this.jdbc.update("insert into test_handler_run values (?, ?, ?, ?, ?)", delivery.id(),
				delivery.event().eventId(), this.instance, Timestamp.from(started), Timestamp.from(Instant.now()));
		return HandlerResult.success();
	}

}
