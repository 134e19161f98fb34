package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Writes the handlers of this instance to {@code dispatch_instance_handler} at start and every
 * {@code relay.dispatch.heartbeat-interval}, so that an instance without one of them (not yet upgraded to a version
 * that has a new workflow, or with it switched off) leaves that handler's deliveries to this one instead of ending
 * them {@code SKIPPED}: see {@link DeliveryRepository.ClaimScope}.
 * <p>
 * The rows stay when the instance stops: a restart (a rolling upgrade) is not an absence, and an instance that
 * stopped for good counts as running for {@link DispatchProperties#presence()} only. Any instance deletes rows older
 * than that (twice over, and an hour at least, so that an instance configured with a longer grace still finds the
 * rows it counts).
 */
@Component
class InstanceHeartbeat implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(InstanceHeartbeat.class);

	private static final Duration MIN_KEPT = Duration.ofHours(1);

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final TaskScheduler scheduler;

	private final String instance;

	private final List<String> handlers;

	private final DispatchProperties properties;

	private final Clock clock;

	private volatile @Nullable ScheduledFuture<?> beats;

	@Autowired
	InstanceHeartbeat(JdbcTemplate jdbc, TransactionTemplate transactions, TaskScheduler scheduler,
			Dispatcher dispatcher, HandlerRegistry handlers, DispatchProperties properties, Clock clock) {
		this(jdbc, transactions, scheduler, dispatcher.instance(), handlers.names(), properties, clock);
	}

	InstanceHeartbeat(JdbcTemplate jdbc, TransactionTemplate transactions, TaskScheduler scheduler, String instance,
			Collection<String> handlers, DispatchProperties properties, Clock clock) {
		this.jdbc = jdbc;
		this.transactions = transactions;
		this.scheduler = scheduler;
		this.instance = instance;
		this.handlers = List.copyOf(handlers);
		this.properties = properties;
		this.clock = clock;
	}

	/** Writes this instance's handlers as seen now, and deletes the rows of instances gone long ago. */
	void beat() {
		try {
			this.transactions.executeWithoutResult((status) -> write(this.clock.instant()));
		}
		catch (RuntimeException ex) {
			// Harmless for a while: the other instances count this one as running for the grace after the last
			// heartbeat that went through.
			logger.warn("Could not write this instance's heartbeat (will try again in {}): {}",
					this.properties.heartbeatInterval(), ex.toString());
		}
	}

	private void write(Instant now) {
		Timestamp seen = Timestamp.from(now);
		int updated = this.jdbc.update("update dispatch_instance_handler set seen_at = ? where instance = ?", seen,
				this.instance);
		if (updated != this.handlers.size()) {
			// The first heartbeat (or rows deleted meanwhile by an instance that found them old): written whole.
			this.jdbc.update("delete from dispatch_instance_handler where instance = ?", this.instance);
			this.jdbc.batchUpdate("insert into dispatch_instance_handler (instance, handler, seen_at) values (?, ?, ?)",
					this.handlers, this.handlers.size(), (ps, handler) -> {
						ps.setString(1, this.instance);
						ps.setString(2, handler);
						ps.setTimestamp(3, seen);
					});
		}
		Duration kept = this.properties.presence().multipliedBy(2);
		this.jdbc.update("delete from dispatch_instance_handler where seen_at < ?",
				Timestamp.from(now.minus((kept.compareTo(MIN_KEPT) > 0) ? kept : MIN_KEPT)));
	}

	@Override
	public void start() {
		// At once, before this instance stores events: the deliveries it plans for a handler only it has are
		// left alone by the others from the start.
		beat();
		Duration interval = this.properties.heartbeatInterval();
		this.beats = this.scheduler.scheduleWithFixedDelay(this::beat,
				this.scheduler.getClock().instant().plus(interval), interval);
	}

	@Override
	public void stop() {
		ScheduledFuture<?> scheduled = this.beats;
		if (scheduled != null) {
			scheduled.cancel(false);
		}
		this.beats = null;
	}

	@Override
	public boolean isRunning() {
		return this.beats != null;
	}

	@Override
	public int getPhase() {
		// Starts before the dispatcher (and the web server), stops after it.
		return SmartLifecycle.DEFAULT_PHASE - 3073;
	}

}
