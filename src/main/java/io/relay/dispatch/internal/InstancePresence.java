package io.relay.dispatch.internal;

import java.net.InetAddress;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import javax.sql.DataSource;

import io.relay.system.Databases;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * This instance as the others see it: its name (in leases and attempt history), and its handlers, written to
 * {@code dispatch_instance_handler} at start and every {@code relay.dispatch.heartbeat-interval}, so that an
 * instance without one of them (not yet upgraded to a version that has a new workflow) leaves that handler's
 * deliveries to this one instead of ending them {@code SKIPPED}: see {@link #claimScope}.
 * <p>
 * The rows stay when the instance stops: a restart (a rolling upgrade) is not an absence, and an instance that
 * stopped for good counts as running for {@link DispatchProperties#presence()} only. Any instance deletes rows older
 * than that (twice over, and an hour at least, so that an instance configured with a longer grace still finds the
 * rows it counts).
 * <p>
 * Its own thread, not the shared task scheduler's: that one runs the statistics and other periodic queries one
 * after the other, and a late heartbeat makes this instance look gone.
 */
@Component
class InstancePresence implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(InstancePresence.class);

	private static final Duration MIN_KEPT = Duration.ofHours(1);

	/** Heartbeats in a row this instance writes before it judges that another instance is gone. */
	private static final int BEATS_BEFORE_JUDGING = 3;

	private final JdbcTemplate jdbc;

	/** For statements outside the heartbeat's transaction. */
	private final JdbcTemplate outside;

	private final TransactionTemplate transactions;

	private final String name;

	private final List<String> handlers;

	private final DispatchProperties properties;

	private final Clock clock;

	/** Those of {@link #handlers} that are enabled. */
	private final Set<String> enabled;

	/** Whether other instances can share the database: PostgreSQL (H2's file belongs to one process). */
	private final boolean shared;

	/** The handlers of the other running instances that this one does not have, as of the last heartbeat. */
	private volatile Set<String> othersHandlers = Set.of();

	/** Since when every heartbeat of this instance went through ({@code null} after one failed). */
	private volatile @Nullable Instant beatingSince;

	private volatile @Nullable Instant lastBeat;

	/** When the last heartbeat went through, by {@link #ticker} ({@code null} before the first). */
	private volatile @Nullable Long lastBeatTick;

	/**
	 * A monotonic clock in nanoseconds ({@link System#nanoTime()}): whether the heartbeats stopped is a matter of
	 * time passed on this machine, whatever the wall clock (or a test's) says.
	 */
	private final LongSupplier ticker;

	/** {@link DispatchProperties#fenceAfter()}: asked on every inbox transaction, so computed once. */
	private final long fenceAfterNanos;

	/** The running heartbeat thread and what stops it (one per start: a thread a stop gave up on stops too). */
	private volatile @Nullable Beater beater;

	private record Beater(Thread thread, CountDownLatch stop) {
	}

	@Autowired
	InstancePresence(JdbcTemplate jdbc, TransactionTemplate transactions, HandlerRegistry handlers,
			DispatchProperties properties, Clock clock) {
		this(jdbc, transactions, newName(), handlers.names(), handlers.enabled(), properties, clock);
	}

	/** With every handler enabled. */
	InstancePresence(JdbcTemplate jdbc, TransactionTemplate transactions, String name, Collection<String> handlers,
			DispatchProperties properties, Clock clock) {
		this(jdbc, transactions, name, handlers, handlers, properties, clock);
	}

	InstancePresence(JdbcTemplate jdbc, TransactionTemplate transactions, String name, Collection<String> handlers,
			Collection<String> enabled, DispatchProperties properties, Clock clock) {
		this(jdbc, transactions, name, handlers, enabled, properties, clock, System::nanoTime);
	}

	InstancePresence(JdbcTemplate jdbc, TransactionTemplate transactions, String name, Collection<String> handlers,
			Collection<String> enabled, DispatchProperties properties, Clock clock, LongSupplier ticker) {
		this.shared = Databases.isPostgres(jdbc);
		this.jdbc = timed(jdbc, jdbc.getDataSource(), properties.heartbeatInterval());
		// Statements outside the heartbeat's transaction (reading the others, deleting old rows) on connections that
		// carry the socket's timeout too; the transaction's own gets it in write().
		this.outside = this.shared ? timed(jdbc,
				new NetworkTimeout(jdbc.getDataSource(), networkTimeout(properties.heartbeatInterval())),
				properties.heartbeatInterval()) : this.jdbc;
		this.ticker = ticker;
		this.fenceAfterNanos = properties.fenceAfter().toNanos();
		this.transactions = transactions;
		this.name = name;
		this.handlers = List.copyOf(handlers);
		this.enabled = Set.copyOf(enabled);
		this.properties = properties;
		this.clock = clock;
	}

	/** This instance's name: host name, process id and a random suffix, new at every start. */
	String name() {
		return this.name;
	}

	/**
	 * The handlers that other running instances have, enabled, and this one does not, as of the last heartbeat
	 * (empty on H2, which one instance uses): this instance plans deliveries for them too, for those instances to
	 * run (after their filter: see {@link DeliveryRepository.NewDelivery#filterAtRun()}), so that an event this
	 * instance stores during a rolling upgrade that adds a workflow is not lost to it.
	 */
	Set<String> othersHandlers() {
		return this.othersHandlers;
	}

	/**
	 * {@link #othersHandlers()} read now rather than at the last heartbeat (a replay is rare, and one right after an
	 * instance started, or while heartbeats fail, would otherwise miss its handlers).
	 */
	Set<String> othersHandlersNow() {
		return othersNow().running();
	}

	/** The other running instances' handlers, read now (none on H2). */
	Others othersNow() {
		return this.shared ? readOthers(this.clock.instant()) : Others.NONE;
	}

	/**
	 * What the other running instances have.
	 * @param running the handlers they run (enabled, and on a build that applies a delivery's filter when it runs)
	 * and this instance does not have
	 * @param disabled the handlers one of them has disabled: it claims their deliveries as its own, and ends them
	 * {@code SKIPPED}
	 */
	record Others(Set<String> running, Set<String> disabled) {

		static final Others NONE = new Others(Set.of(), Set.of());

	}

	/**
	 * What a claim at {@code now} may take: the deliveries of this instance's handlers, and another handler's once
	 * due for {@code relay.dispatch.unknown-handler-grace} with no instance that has it seen within
	 * {@link DispatchProperties#presence()}. The latter only while this instance's own heartbeats go through, and
	 * not before it has written three in a row: after its start, or after the database was out of reach (when no
	 * instance could write), the others have had the time to write theirs.
	 */
	DeliveryRepository.ClaimScope claimScope(Instant now) {
		Instant othersDueBefore = seesOthers(now) ? now.minus(this.properties.unknownHandlerGrace()) : Instant.EPOCH;
		return new DeliveryRepository.ClaimScope(this.handlers, othersDueBefore, now.minus(this.properties.presence()));
	}

	/**
	 * Whether this instance may judge, at {@code now}, that another one is gone because its heartbeats stopped:
	 * only while its own go through, and after three in a row (after its start, or after the database was out of
	 * reach for every instance, the others have had the time to write theirs).
	 */
	boolean seesOthers(Instant now) {
		Instant since = this.beatingSince;
		Instant last = this.lastBeat;
		Instant judging = now.minus(this.properties.heartbeatInterval().multipliedBy(BEATS_BEFORE_JUDGING));
		return since != null && last != null && !since.isAfter(judging) && !last.isBefore(judging);
	}

	/**
	 * Whether the other instances may soon judge this one gone ({@link DispatchProperties#silence()}): its heartbeats
	 * went through once, and not for the silence less one heartbeat since (they fail, or hang). Meanwhile it starts
	 * no delivery and claims none, since another instance may be about to take its deliveries over. Never before a
	 * first heartbeat (an instance with no heartbeat on record is not judged by its heartbeats), and never on H2.
	 */
	boolean mayLookGone() {
		Long last = this.lastBeatTick;
		if (last == null || !this.shared) {
			// On H2 no other process can be running: only a later start of this one judges it, once it is gone.
			return false;
		}
		return this.ticker.getAsLong() - last > this.fenceAfterNanos;
	}

	/** Writes this instance's handlers as seen now, and deletes the rows of instances gone long ago. */
	void beat() {
		long tick = this.ticker.getAsLong();
		Instant now = this.clock.instant();
		try {
			this.transactions.executeWithoutResult((status) -> write(now));
			if (this.beatingSince == null) {
				this.beatingSince = now;
			}
			this.lastBeat = now;
			this.lastBeatTick = tick;
		}
		catch (RuntimeException ex) {
			// Harmless for a while: the other instances count this one as running for the grace after the last
			// heartbeat that went through.
			this.beatingSince = null;
			logger.warn("Could not write this instance's heartbeat (will try again in {}): {}",
					this.properties.heartbeatInterval(), ex.toString());
			return;
		}
		if (this.shared) {
			try {
				this.othersHandlers = readOthers(now).running();
			}
			catch (RuntimeException ex) {
				logger.warn("Could not read the other instances' handlers (keeping the last known: {}): {}",
						this.othersHandlers, ex.toString());
			}
		}
		try {
			// A transaction of its own: in the heartbeat's, two instances deleting each other's old rows while
			// holding their own could deadlock.
			Duration kept = this.properties.presence().multipliedBy(2);
			this.outside.update("delete from dispatch_instance_handler where seen_at < ?",
					Timestamp.from(now.minus((kept.compareTo(MIN_KEPT) > 0) ? kept : MIN_KEPT)));
		}
		catch (RuntimeException ex) {
			logger.debug("Could not delete the heartbeats of instances gone long ago (will try again)", ex);
		}
	}

	private Others readOthers(Instant now) {
		Set<String> running = new HashSet<>();
		Set<String> disabled = new HashSet<>();
		this.outside.query("select handler, applies_filter_at_run, handler_enabled from dispatch_instance_handler where "
				+ "seen_at >= ? and instance <> ?", (rs) -> {
					// No handler_enabled: a build from before V49, which runs every handler it lists.
					boolean enabled = rs.getBoolean(3) || rs.wasNull();
					if (!enabled) {
						disabled.add(rs.getString(1));
					}
					else if (rs.getBoolean(2)) {
						running.add(rs.getString(1));
					}
				}, Timestamp.from(now.minus(this.properties.presence())), this.name);
		this.handlers.forEach(running::remove);
		return new Others(Set.copyOf(running), Set.copyOf(disabled));
	}

	private void write(Instant now) {
		if (this.shared) {
			// A query timeout alone does not end a read from a host that vanished (PostgreSQL's driver cancels through
			// a new connection, which cannot reach it either): the socket's own, for this transaction's connection
			// (the pool puts its own value back when it returns).
			this.jdbc.execute((ConnectionCallback<Void>) (connection) -> {
				connection.setNetworkTimeout(Runnable::run,
						(int) networkTimeout(this.properties.heartbeatInterval()).toMillis());
				return null;
			});
		}
		Timestamp seen = Timestamp.from(now);
		int updated = this.jdbc.update("update dispatch_instance_handler set seen_at = ? where instance = ?", seen,
				this.name);
		if (updated != this.handlers.size()) {
			// The first heartbeat (or rows deleted meanwhile by an instance that found them old): written whole.
			this.jdbc.update("delete from dispatch_instance_handler where instance = ?", this.name);
			this.jdbc.batchUpdate("insert into dispatch_instance_handler (instance, handler, seen_at, "
					+ "applies_filter_at_run, handler_enabled) values (?, ?, ?, true, ?)",
					this.handlers, this.handlers.size(), (ps, handler) -> {
						ps.setString(1, this.name);
						ps.setString(2, handler);
						ps.setTimestamp(3, seen);
						ps.setBoolean(4, this.enabled.contains(handler));
					});
		}
	}

	private void beatUntil(CountDownLatch stop) {
		long interval = this.properties.heartbeatInterval().toNanos();
		long next = this.ticker.getAsLong() + interval;
		try {
			// At a fixed rate (the next one due an interval after the last one started, not after it ended): a slow
			// heartbeat must not push every later one back, or the gaps the others see grow past the interval. After
			// one slower than an interval the next starts at once, and the schedule then counts from it (no burst of
			// the beats it missed).
			while (!stop.await(Math.max(0, next - this.ticker.getAsLong()), TimeUnit.NANOSECONDS)) {
				long started = this.ticker.getAsLong();
				next += interval;
				if (next - started <= 0) {
					next = started + interval;
				}
				try {
					beat();
				}
				catch (Throwable ex) {
					// beat() handles the database's failures; anything else must not end the heartbeats while
					// this instance goes on running deliveries (the others would count it gone).
					logger.error("Heartbeat failed (will try again in {})", this.properties.heartbeatInterval(), ex);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public void start() {
		// At once, before the dispatcher (which depends on this bean) and the web server start: the deliveries
		// this instance plans for a handler only it has are left alone by the others from the start.
		beat();
		CountDownLatch stop = new CountDownLatch(1);
		// A platform thread: a virtual one could wait for a carrier while handlers keep every core busy, and a late
		// heartbeat makes this instance look gone.
		this.beater = new Beater(
				Thread.ofPlatform().daemon().name("instance-heartbeat").start(() -> beatUntil(stop)), stop);
	}

	@Override
	public void stop() {
		Beater running = this.beater;
		this.beater = null;
		if (running != null) {
			running.stop().countDown();
			try {
				// A heartbeat under way finishes first: none is written after the stop.
				running.thread().join(Duration.ofSeconds(10));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.beater != null;
	}

	@Override
	public int getPhase() {
		// Before the dispatcher (which depends on this bean too, so that start and stop keep this order anyway).
		return SmartLifecycle.DEFAULT_PHASE - 3073;
	}

	/**
	 * The same template, its statements bounded by the heartbeat interval (a second at least): a heartbeat that hangs
	 * on a database gone silent makes this instance look gone as surely as one that fails, but one that fails is
	 * tried again at the next interval.
	 */
	private static JdbcTemplate timed(JdbcTemplate jdbc, @Nullable DataSource dataSource, Duration interval) {
		JdbcTemplate timed = new JdbcTemplate(Objects.requireNonNull(dataSource, "data source"));
		timed.setExceptionTranslator(jdbc.getExceptionTranslator());
		timed.setQueryTimeout((int) statementTimeout(interval).toSeconds());
		return timed;
	}

	/** The heartbeat interval, a second at least. */
	private static Duration statementTimeout(Duration interval) {
		return (interval.toSeconds() >= 1) ? Duration.ofSeconds(interval.toSeconds()) : Duration.ofSeconds(1);
	}

	/** A little over the statements' own timeout, so that the server's cancel comes first when it can. */
	private static Duration networkTimeout(Duration interval) {
		return statementTimeout(interval).plusSeconds(2);
	}

	/**
	 * Connections whose socket reads give up after a time (the pool puts its own value back when they return): a
	 * query timeout alone does not end a read from a host that vanished.
	 */
	private static final class NetworkTimeout extends DelegatingDataSource {

		private final int millis;

		NetworkTimeout(@Nullable DataSource target, Duration timeout) {
			super(Objects.requireNonNull(target, "data source"));
			this.millis = (int) timeout.toMillis();
		}

		@Override
		public Connection getConnection() throws SQLException {
			return timed(super.getConnection());
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			return timed(super.getConnection(username, password));
		}

		private Connection timed(Connection connection) throws SQLException {
			try {
				connection.setNetworkTimeout(Runnable::run, this.millis);
				return connection;
			}
			catch (SQLException ex) {
				connection.close();
				throw ex;
			}
		}

	}

	private static String newName() {
		String host;
		try {
			host = InetAddress.getLocalHost().getHostName();
		}
		catch (Exception ex) {
			host = "relay";
		}
		String name = host + "-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);
		return (name.length() <= 100) ? name : name.substring(name.length() - 100);
	}

}
