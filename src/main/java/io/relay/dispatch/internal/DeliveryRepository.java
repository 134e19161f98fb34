package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.relay.system.Databases;
import io.relay.dispatch.DeliveryStatus;
import io.relay.event.IAdvizeEvent;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The delivery tables. Claims use {@code FOR UPDATE SKIP LOCKED} on PostgreSQL, so that instances sharing the
 * database never claim the same delivery; H2 is single-instance and claims from one thread.
 */
@Repository
class DeliveryRepository {

	private static final Logger logger = LoggerFactory.getLogger(DeliveryRepository.class);

	/** The statuses of {@link DeliveryStatus#isUnfinished()} as an SQL list: {@code ('PENDING', 'RUNNING', ...)}. */
	static final String UNFINISHED = Arrays.stream(DeliveryStatus.values())
		.filter(DeliveryStatus::isUnfinished)
		.map((status) -> "'" + status.name() + "'")
		.collect(Collectors.joining(", ", "(", ")"));

	/** How many deliveries a bulk replay reads at a time ({@link #replayable}); it sets them back in smaller batches. */
	static final int REPLAY_BATCH = 1000;

	/** Sets deliveries back to their first attempt, due at {@code :now}, keeping their idempotency key. */
	private static final String REPLAY = "update dispatch_delivery set status = 'PENDING', attempts = 0, "
			+ "next_attempt_at = :now, last_error = null, locked_by = null, locked_until = null, updated_at = :now ";

	/** Gives back claimed deliveries, {@code PENDING} for any instance, their claim not counted as an attempt. */
	private static final String HAND_BACK = "update dispatch_delivery set status = 'PENDING', attempts = attempts - 1, "
			+ "locked_by = null, locked_until = null, next_attempt_at = :now, updated_at = :now ";

	/** The deliveries of event {@code :event}, to handler {@code :handler} or to every handler when it is null. */
	private static final String OF_EVENT = "event_id = :event and (cast(:handler as varchar(100)) is null or "
			+ "handler = :handler)";

	// Replays leave alone a delivery whose event is gone (no foreign key: decision 0007).
	private static final String EVENT_EXISTS = "exists (select 1 from inbox_event e where e.event_id = "
			+ "dispatch_delivery.event_id)";

	/**
	 * A step of a walk over the deliveries in a status ({@code ?}), of a handler or of every one ({@code ?} twice),
	 * after an id and up to another, last changed at a time or before.
	 */
	private static final String WALK = "status = ? and (cast(? as varchar(100)) is null or handler = ?) and id > ? "
			+ "and id <= ? and updated_at <= ?";

	/** Ends deliveries as {@code SKIPPED}, {@code :reason} before their last error (cut to the column's size). */
	private static final String DISMISS = "update dispatch_delivery set status = 'SKIPPED', last_error = "
			+ "substring(:reason || coalesce(last_error, '') from 1 for 4000), updated_at = :now where ";

	/** No instance that has the delivery's handler wrote a heartbeat since {@code :seenSince}. */
	private static final String NO_RUNNING_INSTANCE_HAS_IT = "not exists (select 1 from dispatch_instance_handler h "
			+ "where h.handler = d.handler and h.seen_at >= :seenSince)";

	/**
	 * Run first in a claim's transaction on PostgreSQL. Its planner sees a queue table through statistics that are
	 * stale by nature: a backlog written since the last ANALYZE (or into a table never analysed, as after a fresh
	 * install or a restart with work waiting) looks like a handful of rows, and for a handful it may read the whole
	 * due range through a bitmap on every claim: to sort it before the limit (the selects), or to find the claimed
	 * ids in it (the update's OR over statuses). 10-40 ms per claim of 32 from a backlog of 40,000, the database's
	 * CPU saturated while the workers wait (docs/benchmarks.md). Without sorts and bitmaps, the selects walk the due
	 * index in order and stop at the limit, and the update looks its ids up by primary key, whatever the statistics
	 * say. Both settings end with the transaction.
	 */
	static final String PIN_CLAIM_PLAN = "set local enable_sort = off; set local enable_bitmapscan = off";

	/**
	 * What makes a delivery due by {@code %s} (a time): an expired lease, a retry, a new delivery. In this order:
	 * the claim takes from each range of the due index in turn.
	 */
	private static final List<String> DUE_BY = List.of(
			// An expired lease on the last attempt is not claimed again: AbandonedDeliveries ends it.
			"d.status = 'RUNNING' and d.locked_until < %s and d.attempts < d.max_attempts",
			"d.status = 'FAILED' and d.next_attempt_at <= %s", "d.status = 'PENDING' and d.next_attempt_at <= %s");

	/** The ranges a claim takes from first: due at {@code :now}, of the handlers this instance has ({@code :handlers}). */
	static final List<String> CLAIM_RANGES = DUE_BY.stream()
		.map((due) -> due.formatted(":now") + " and d.handler in (:handlers)")
		.toList();

	/**
	 * The same ranges for the handlers this instance does not have, taken (to be ended {@code SKIPPED}) only when
	 * due before {@code :othersBefore} and no instance that has the handler was seen since {@code :seenSince}: see
	 * {@link ClaimScope}. Only when the claim's own ranges left room, so that a backlog (which fills every claim
	 * from them) never pays for the look at the heartbeats: a filter with a subquery, in the same statement as the
	 * own ranges, cost the backlog 12 % of its rate (docs/benchmarks.md, 2026-11-27 10:04).
	 */
	static final List<String> OTHERS_RANGES = DUE_BY.stream()
		.map((due) -> due.formatted(":othersBefore") + " and d.handler not in (:handlers) and "
				+ NO_RUNNING_INSTANCE_HAS_IT)
		.toList();

	/** Locks each distinct hash of the keys ({@code ?}, a text array), lowest first. */
	static final String LOCK_ORDERING_KEYS = "select pg_advisory_xact_lock(l.h) from (select distinct hashtext(k) as h "
			+ "from unnest(?) as k order by h) as l";

	/** See {@link #lockUnfinished}: in order of id. */
	static final String LOCK_UNFINISHED = "select d.id from dispatch_delivery d join unnest(?, ?) as k(handler, "
			+ "ordering_key) on d.handler = k.handler and d.ordering_key = k.ordering_key where d.status in "
			+ UNFINISHED + " order by d.id for update of d";

	/**
	 * Delivery {@code d} is not held up by its conversation: no earlier delivery of the same handler and ordering
	 * key is unfinished, and no later one runs (under a live lease).
	 */
	private static final String NOT_HELD_UP = "(d.ordering_key is null or not exists (select 1 from dispatch_delivery "
			+ "p where p.handler = d.handler and p.ordering_key = d.ordering_key and p.id <> d.id and ((p.id < d.id "
			+ "and p.status in " + UNFINISHED + ") or (p.status = 'RUNNING' and p.locked_until >= :now))))";

	/**
	 * Takes the claimed ids ({@code :ids}) if they are still due and still not held up by their conversation: see
	 * {@link #claimableQuery}. Checked again because the claim reads its ranges one statement after another: an
	 * earlier delivery replayed between two of them would otherwise be taken with a later one taken before it, and
	 * both would run at once.
	 */
	static final String CLAIM_UPDATE = "update dispatch_delivery d set status = 'RUNNING', locked_by = :instance, "
			+ "locked_until = :until, attempts = attempts + 1, claims = claims + 1, updated_at = :now where d.id in "
			+ "(:ids) and ((d.status in ('PENDING', 'FAILED') and d.next_attempt_at <= :now) or (d.status = "
			+ "'RUNNING' and d.locked_until < :now and d.attempts < d.max_attempts)) and " + NOT_HELD_UP;

	/** The deliveries {@link #CLAIM_UPDATE} took ({@code :ids} leased to {@code :instance} until {@code :until}). */
	private static final String CLAIMED = "d.id in (:ids) and d.status = 'RUNNING' and d.locked_by = :instance and "
			+ "d.locked_until = :until";

	private final JdbcTemplate jdbc;

	private final NamedParameterJdbcTemplate named;

	private final String claimLock;

	private final boolean postgres;

	private final CompletionStatements completions;

	DeliveryRepository(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		this.named = new NamedParameterJdbcTemplate(jdbc);
		this.postgres = Databases.isPostgres(jdbc);
		this.claimLock = this.postgres ? " for update skip locked" : "";
		this.completions = new CompletionStatements(jdbc, this.named, this.postgres);
	}

	/**
	 * Inserts deliveries already claimed by this instance (the fast path: they start right after the commit,
	 * without a claim round trip), and returns them by id.
	 */
	Map<Long, NewDelivery> insertClaimed(List<NewDelivery> deliveries, Instant now, String instance,
			Instant leaseUntil) {
		Map<String, NewDelivery> byKey = new HashMap<>();
		deliveries.forEach((delivery) -> byKey.put(delivery.eventId() + "\n" + delivery.handler(), delivery));
		Map<Long, NewDelivery> byId = new LinkedHashMap<>();
		RowCallbackHandler collect = (rs) -> {
			NewDelivery delivery = byKey.get(rs.getString(2) + "\n" + rs.getString(3));
			if (delivery != null) {
				byId.put(rs.getLong(1), delivery);
			}
		};
		String columns = "insert into dispatch_delivery (event_id, handler, status, ordering_key, attempts, claims, "
				+ "max_attempts, next_attempt_at, locked_by, locked_until, created_at, updated_at) values ";
		String row = "(?, ?, 'RUNNING', ?, 1, 1, ?, ?, ?, ?, ?, ?)";
		if (this.postgres) {
			// One statement for the whole batch, returning the ids (chunks keep under PostgreSQL's parameter limit).
			for (int from = 0; from < deliveries.size(); from += 1000) {
				List<NewDelivery> chunk = deliveries.subList(from, Math.min(deliveries.size(), from + 1000));
				this.jdbc.query((connection) -> {
					PreparedStatement ps = connection.prepareStatement(columns
							+ String.join(", ", Collections.nCopies(chunk.size(), row))
							+ " returning id, event_id, handler");
					for (int i = 0; i < chunk.size(); i++) {
						setClaimedRow(ps, chunk.get(i), i * 9, now, instance, leaseUntil);
					}
					return ps;
				}, collect);
			}
			return byId;
		}
		this.jdbc.batchUpdate(columns + row, deliveries, deliveries.size(),
				(ps, delivery) -> setClaimedRow(ps, delivery, 0, now, instance, leaseUntil));
		this.named.query("select id, event_id, handler from dispatch_delivery where event_id in (:events) and "
				+ "locked_by = :instance and status = 'RUNNING'", new MapSqlParameterSource("events",
						deliveries.stream().map(NewDelivery::eventId).distinct().toList())
					.addValue("instance", instance), collect);
		return byId;
	}

	private static void setClaimedRow(PreparedStatement ps, NewDelivery delivery, int offset, Instant now,
			String instance, Instant leaseUntil) throws SQLException {
		Timestamp at = Timestamp.from(now);
		ps.setString(offset + 1, delivery.eventId());
		ps.setString(offset + 2, delivery.handler());
		ps.setString(offset + 3, delivery.orderingKey());
		ps.setInt(offset + 4, delivery.maxAttempts());
		ps.setTimestamp(offset + 5, at);
		ps.setString(offset + 6, instance);
		ps.setTimestamp(offset + 7, Timestamp.from(leaseUntil));
		ps.setTimestamp(offset + 8, at);
		ps.setTimestamp(offset + 9, at);
	}

	/**
	 * Serialises, until this transaction ends, the transactions of every instance that plan deliveries for these
	 * ordering keys (PostgreSQL advisory locks on the keys' hashes). H2 serves one instance, whose planner locks in
	 * memory.
	 * <p>
	 * One statement for them all, taking the locks in the order of the hashes they are: in the order of the keys,
	 * two keys sharing a hash could make two transactions wait for each other (one holding the hash of its first
	 * key and waiting for its second's, the other the reverse), and one round trip per key held up the inbox's
	 * transaction.
	 */
	void lockOrderingKeys(Collection<String> keys) {
		if (this.postgres && !keys.isEmpty()) {
			this.jdbc.query((connection) -> {
				PreparedStatement statement = connection.prepareStatement(LOCK_ORDERING_KEYS);
				statement.setArray(1, connection.createArrayOf("text", keys.toArray()));
				return statement;
			}, (ResultSet rs) -> {
			});
		}
	}

	/**
	 * Locks, until this transaction ends, the unfinished deliveries of these {@link #orderingLock}s (PostgreSQL; H2
	 * serves one instance, whose claim checks again in its update). A replay takes them before it sets a delivery
	 * back: a claim that has just taken a later delivery of the conversation (locked, not yet committed as
	 * {@code RUNNING}) is waited for, so that the replayed one is then seen held up by it; a claim that comes after
	 * skips them until the replay is committed, then sees the replayed one unfinished before them.
	 */
	void lockUnfinished(Collection<String> orderingLocks) {
		if (!this.postgres || orderingLocks.isEmpty()) {
			return;
		}
		List<String> handlers = new ArrayList<>();
		List<String> keys = new ArrayList<>();
		for (String lock : orderingLocks) {
			handlers.add(handlerOf(lock));
			keys.add(orderingKeyOf(lock));
		}
		this.jdbc.query((connection) -> {
			PreparedStatement statement = connection.prepareStatement(LOCK_UNFINISHED);
			statement.setArray(1, connection.createArrayOf("text", handlers.toArray()));
			statement.setArray(2, connection.createArrayOf("text", keys.toArray()));
			return statement;
		}, (ResultSet rs) -> {
		});
	}

	/** Which of these (handler, ordering key) pairs still have a delivery with work left. */
	Set<String> unfinishedOrderingKeys(Collection<String> orderingKeys) {
		return new HashSet<>(orderingLocksWhere("ordering_key in (:keys) and status in " + UNFINISHED,
				new MapSqlParameterSource("keys", orderingKeys)));
	}

	/** The distinct {@link #orderingLock}s of the deliveries that meet {@code condition} (ordered ones only). */
	private List<String> orderingLocksWhere(String condition, MapSqlParameterSource parameters) {
		return this.named.query("select distinct handler, ordering_key from dispatch_delivery where " + condition
				+ " and ordering_key is not null", parameters,
				(rs, row) -> orderingLock(rs.getString(1), rs.getString(2)));
	}

	static String orderingLock(String handler, String orderingKey) {
		return handler + "\n" + orderingKey;
	}

	/** The handler of an {@link #orderingLock} (a handler's name has no line break; an ordering key may). */
	private static String handlerOf(String orderingLock) {
		return orderingLock.substring(0, orderingLock.indexOf('\n'));
	}

	private static String orderingKeyOf(String orderingLock) {
		return orderingLock.substring(orderingLock.indexOf('\n') + 1);
	}

	void insert(List<NewDelivery> deliveries, Instant now) {
		this.jdbc.batchUpdate("insert into dispatch_delivery (event_id, handler, status, ordering_key, attempts, "
				+ "max_attempts, next_attempt_at, created_at, updated_at, filter_at_run) values (?, ?, 'PENDING', ?, 0, "
				+ "?, ?, ?, ?, ?)", deliveries, deliveries.size(), (ps, delivery) -> {
					ps.setString(1, delivery.eventId());
					ps.setString(2, delivery.handler());
					ps.setString(3, delivery.orderingKey());
					ps.setInt(4, delivery.maxAttempts());
					Timestamp at = Timestamp.from(now);
					ps.setTimestamp(5, at);
					ps.setTimestamp(6, at);
					ps.setTimestamp(7, at);
					ps.setObject(8, delivery.filterAtRun() ? Boolean.TRUE : null, Types.BOOLEAN);
				});
	}

	/**
	 * Claims up to {@code limit} due deliveries for this instance: of its own handlers, expired leases first, then
	 * due retries, then new deliveries, each oldest first; a delivery waits while an earlier one of the same handler
	 * and ordering key is unfinished, or a later one runs. Then, with room left, those of other handlers that no
	 * running instance has (see {@link ClaimScope}), in the same order. Call inside a transaction.
	 */
	List<Claimed> claim(String instance, ClaimScope scope, Instant now, Instant leaseUntil, int limit) {
		Timestamp nowTs = Timestamp.from(now);
		if (this.postgres) {
			this.jdbc.execute(PIN_CLAIM_PLAN);
		}
		MapSqlParameterSource range = rangeParameters(scope, now);
		// One query per status, each an ordered range of the (status, next_attempt_at) index that stops after
		// `limit` rows: an OR across statuses, or an ORDER BY id, makes both databases walk every delivery ever
		// made (the finished ones included) on every claim.
		List<Long> ids = new ArrayList<>(limit);
		// The first range of each list is the expired leases: runs whose instance stopped (or that hung, or ran
		// longer than their lease) are taken over, and recorded (recordTakenOver).
		List<Long> expired = new ArrayList<>();
		takeFrom(CLAIM_RANGES, range, ids, limit, expired);
		if (scope.takesOthers()) {
			takeFrom(OTHERS_RANGES, range, ids, limit, expired);
		}
		if (ids.isEmpty()) {
			return List.of();
		}
		// Read before the claim replaces them; a query more only when the claim takes over a lease, which is rare.
		List<Abandoned> takenOver = expired.isEmpty() ? List.of() : runsOf(expired);
		MapSqlParameterSource params = new MapSqlParameterSource("ids", ids).addValue("instance", instance)
			// Millisecond precision, so that the select below finds the value both databases stored.
			.addValue("until", Timestamp.from(leaseUntil.truncatedTo(ChronoUnit.MILLIS)))
			.addValue("now", nowTs);
		// The due condition again: on H2 the rows are not locked by the select (see claimableQuery), so a delivery
		// replayed or finished in between is left alone.
		int taken = this.named.update(CLAIM_UPDATE, params);
		List<Claimed> claimed = this.named.query("select d.id, d.event_id, d.handler, d.attempts, d.claims, "
				+ "d.max_attempts, e.content_type, e.payload, e.received_at, d.ordering_key, d.filter_at_run from "
				+ "dispatch_delivery d join inbox_event e on e.event_id = d.event_id where " + CLAIMED + " order by d.id",
				params, (rs, row) -> new Claimed(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4),
						rs.getInt(5), rs.getInt(6), rs.getString(7), rs.getBytes(8), rs.getTimestamp(9).toInstant(),
						rs.getString(10) != null, null, rs.getBoolean(11)));
		if (claimed.size() < taken) {
			dropOrphans(params);
		}
		if (!takenOver.isEmpty()) {
			recordTakenOver(takenOver, claimed, instance, nowTs);
		}
		return claimed;
	}

	/**
	 * The runs that held these deliveries: attempt, instance and claim time. Locked, also on H2 (whose claim select
	 * locks nothing): a run of this instance that returns meanwhile waits for the claim, then finds its delivery
	 * taken (not applied), rather than its outcome landing between this read and the claim's update.
	 */
	private List<Abandoned> runsOf(List<Long> ids) {
		return this.named.query("select id, attempts, locked_by, updated_at, handler from dispatch_delivery where id in "
				+ "(:ids) and status = 'RUNNING' for update", new MapSqlParameterSource("ids", ids),
				(rs, row) -> new Abandoned(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getTimestamp(4),
						rs.getString(5)));
	}

	/**
	 * Records in the history the run whose delivery this claim took over when its lease expired: without it, the
	 * attempt it counted shows nowhere (its instance died and wrote nothing), and a crash cannot be traced. Should
	 * the run return after all (it hung), it records itself too, its outcome not applied.
	 */
	private void recordTakenOver(List<Abandoned> runs, List<Claimed> claimed, String instance, Timestamp now) {
		Map<Long, Integer> attempts = new HashMap<>();
		claimed.forEach((delivery) -> attempts.put(delivery.id(), delivery.attempt()));
		// Only those this claim did take, as the attempt after theirs (a guard against a change in between).
		List<Abandoned> taken = runs.stream()
			.filter((run) -> Integer.valueOf(run.attempt() + 1).equals(attempts.get(run.id())))
			.toList();
		if (taken.isEmpty()) {
			return;
		}
		recordLost(taken, DeliveryStatus.FAILED, "the lease expired: the handler did not return in time (it hung, or "
				+ "its instance stopped or ran out of memory while it ran); taken over by " + instance, now);
		logger.warn("Took over {} deliveries whose lease expired (their instance stopped, or their handler hung): "
				+ "ids {}", taken.size(), taken.stream().map(Abandoned::id).toList());
	}

	/** Takes from each range in turn; the ids taken from the first, the expired leases, go to {@code expired} too. */
	private void takeFrom(List<String> ranges, MapSqlParameterSource parameters, List<Long> ids, int limit,
			List<Long> expired) {
		int before = ids.size();
		takeFrom(ranges.get(0), parameters, ids, limit);
		expired.addAll(ids.subList(before, ids.size()));
		for (String range : ranges.subList(1, ranges.size())) {
			takeFrom(range, parameters, ids, limit);
		}
	}

	private void takeFrom(String range, MapSqlParameterSource parameters, List<Long> ids, int limit) {
		if (ids.size() < limit) {
			ids.addAll(this.named.queryForList(claimableQuery(range, this.claimLock),
					parameters.addValue("limit", limit - ids.size()), Long.class));
		}
	}

	/** The parameters of the {@link #CLAIM_RANGES} and {@link #OTHERS_RANGES}, but the limit. */
	static MapSqlParameterSource rangeParameters(ClaimScope scope, Instant now) {
		// No handler at all (every workflow switched off): a name no handler can have keeps the list valid SQL.
		return new MapSqlParameterSource("now", Timestamp.from(now))
			.addValue("handlers", scope.handlers().isEmpty() ? List.of("") : scope.handlers())
			.addValue("othersBefore", Timestamp.from(scope.othersDueBefore()))
			.addValue("seenSince", Timestamp.from(scope.othersSeenSince()));
	}

	/**
	 * Deletes the deliveries just claimed whose event no longer exists (no foreign key keeps them out, decision
	 * 0007: a purge by a Relay older than V41 during a rolling upgrade can leave them). Left alone, such a delivery
	 * would be claimed again after every lease, never run, and hold up its conversation.
	 */
	private void dropOrphans(MapSqlParameterSource claim) {
		List<Long> orphans = this.named.queryForList("select d.id from dispatch_delivery d where " + CLAIMED
				+ " and not exists (select 1 from inbox_event e where e.event_id = d.event_id)", claim, Long.class);
		if (!orphans.isEmpty()) {
			deleteDeliveries(this.named, "id in (:ids)", new MapSqlParameterSource("ids", orphans));
			logger.warn("Deleted {} deliveries whose event no longer exists (ids {})", orphans.size(), orphans);
		}
	}

	/**
	 * The ids of claimable deliveries in one of the {@link #CLAIM_RANGES} or {@link #OTHERS_RANGES}, oldest first, up
	 * to a limit
	 * ({@code :limit}); a delivery waits while an earlier one of the same handler and ordering key is unfinished, or
	 * a later one runs (under a live lease): a delivery replayed while a later one of its conversation runs waits for
	 * it, instead of running beside it.
	 * PostgreSQL locks them ({@code lock}: SKIP LOCKED, instances never claim the same delivery). H2 serves one
	 * instance whose deliveries are claimed by one thread, and its FOR UPDATE reads the whole range instead of
	 * stopping at the limit, so H2 relies on the guarded update in {@link #claim}.
	 */
	static String claimableQuery(String range, String lock) {
		return "select d.id from dispatch_delivery d where " + range + " and " + NOT_HELD_UP
				+ " order by d.status, d.next_attempt_at fetch first :limit rows only" + lock;
	}

	/**
	 * Records finished attempts. A delivery whose lease this instance lost is left alone, even when this instance
	 * claimed it again since, to the same attempt number after a replay (the claim count tells the runs apart): one
	 * run must not end another's.
	 */
	void complete(List<Completion> completions, String instance) {
		this.completions.write(completions, instance);
	}

	/**
	 * Ends as {@code DEAD} the deliveries whose lease expired before {@code cutoff} on their last attempt: the handler
	 * never returned (it hung, or its instance died or ran out of memory while it ran). Claimed again, such a delivery
	 * would run past its attempts forever, each run perhaps killing an instance, holding a worker, or holding up its
	 * conversation, and never be counted dead. The attempt is recorded with the instance that held it.
	 * @return the handler of each delivery ended, for the outcome counter
	 */
	List<String> buryAbandoned(Instant now, Instant cutoff) {
		Timestamp nowTs = Timestamp.from(now);
		Timestamp cutoffTs = Timestamp.from(cutoff);
		List<Abandoned> abandoned = this.jdbc.query("select id, attempts, locked_by, updated_at, handler from "
				+ "dispatch_delivery where status = 'RUNNING' and locked_until < ? and attempts >= max_attempts fetch "
				+ "first 1000 rows only" + this.claimLock, (rs, row) -> new Abandoned(rs.getLong(1), rs.getInt(2),
						rs.getString(3), rs.getTimestamp(4), rs.getString(5)), cutoffTs);
		if (abandoned.isEmpty()) {
			return List.of();
		}
		String error = "the lease expired on the last attempt: the handler did not return (it hung, or its instance "
				+ "stopped or ran out of memory while it ran)";
		// Row by row, the guard again: a completion or a renewal between the select and here keeps its delivery.
		int[] updated = this.jdbc.batchUpdate("update dispatch_delivery set status = 'DEAD', last_error = ?, "
				+ "locked_by = null, locked_until = null, updated_at = ? where id = ? and attempts = ? and status = "
				+ "'RUNNING' and locked_until < ?", abandoned, abandoned.size(), (ps, delivery) -> {
					ps.setString(1, error);
					ps.setTimestamp(2, nowTs);
					ps.setLong(3, delivery.id());
					ps.setInt(4, delivery.attempt());
					ps.setTimestamp(5, cutoffTs);
				})[0];
		List<Abandoned> buried = new ArrayList<>();
		for (int i = 0; i < abandoned.size(); i++) {
			if (updated[i] != 0) {
				buried.add(abandoned.get(i));
			}
		}
		if (buried.isEmpty()) {
			return List.of();
		}
		recordLost(buried, DeliveryStatus.DEAD, error, nowTs);
		logger.warn("{} deliveries ended DEAD: {}", buried.size(), error);
		return buried.stream().map(Abandoned::handler).toList();
	}

	/**
	 * Ends at {@code now} the leases of the deliveries that other instances claimed before {@code silentSince} and
	 * still hold, when such an instance has heartbeats on record and none since then: it crashed, was killed or lost
	 * the database, and its runs will never finish. An instance with no heartbeat on record (a build from before
	 * them, one with no handler, or one whose every heartbeat failed) is left to its leases. The next claim takes them over as any expired lease (recorded in
	 * their history), instead of their waiting out a lease of minutes. Should the instance still be running them
	 * after all (cut off from the database only), each run records itself on return, its outcome not applied once
	 * the delivery was taken over, and applied if it was not.
	 * @return the ids of the deliveries whose lease ended, by the instance that held them
	 */
	Map<String, List<Long>> endLeasesOfSilentInstances(String instance, Instant now, Instant silentSince) {
		Timestamp nowTs = Timestamp.from(now);
		Timestamp silentTs = Timestamp.from(silentSince);
		// The RUNNING range of the due index: a few rows per instance (its workers' and its claims in memory).
		List<Abandoned> held = this.jdbc.query("select d.id, d.attempts, d.locked_by, d.updated_at, d.handler from "
				+ "dispatch_delivery d where d.status = 'RUNNING' and d.locked_until > ? and d.updated_at < ? and "
				+ "d.locked_by <> ? and exists (select 1 from dispatch_instance_handler h where h.instance = "
				+ "d.locked_by) and not exists (select 1 from dispatch_instance_handler h where h.instance = "
				+ "d.locked_by and h.seen_at >= ?) fetch first 1000 rows only" + this.claimLock,
				(rs, row) -> new Abandoned(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getTimestamp(4),
						rs.getString(5)),
				nowTs, silentTs, instance, silentTs);
		if (held.isEmpty()) {
			return Map.of();
		}
		// Row by row, the same holder and claim: a renewal or a completion in between is no silence.
		int[] updated = this.jdbc.batchUpdate("update dispatch_delivery set locked_until = ? where id = ? and "
				+ "status = 'RUNNING' and locked_by = ? and attempts = ? and locked_until > ?", held, held.size(),
				(ps, delivery) -> {
					ps.setTimestamp(1, nowTs);
					ps.setLong(2, delivery.id());
					ps.setString(3, delivery.lockedBy());
					ps.setInt(4, delivery.attempt());
					ps.setTimestamp(5, nowTs);
				})[0];
		Map<String, List<Long>> ended = new TreeMap<>();
		for (int i = 0; i < held.size(); i++) {
			if (updated[i] != 0) {
				ended.computeIfAbsent(held.get(i).lockedBy(), (holder) -> new ArrayList<>()).add(held.get(i).id());
			}
		}
		return ended;
	}

	/**
	 * Records runs that wrote nothing themselves (their lease expired), each under the instance that held it, from
	 * its claim to {@code now}.
	 */
	private void recordLost(List<Abandoned> runs, DeliveryStatus outcome, String error, Timestamp now) {
		this.jdbc.batchUpdate("insert into dispatch_attempt (delivery_id, attempt, instance, started_at, finished_at, "
				+ "outcome, error) values (?, ?, ?, ?, ?, ?, ?)", runs, runs.size(), (ps, run) -> {
					ps.setLong(1, run.id());
					ps.setInt(2, run.attempt());
					ps.setString(3, run.lockedBy());
					ps.setTimestamp(4, run.claimedAt());
					ps.setTimestamp(5, now);
					ps.setString(6, outcome.name());
					ps.setString(7, Databases.text(error, 4000));
				});
	}

	/** A run whose lease expired (on its last attempt, for a burial), claimed by {@code lockedBy} at {@code claimedAt}. */
	private record Abandoned(long id, int attempt, String lockedBy, Timestamp claimedAt, String handler) {
	}

	/**
	 * Extends this instance's lease of a claimed delivery to {@code until}.
	 * @return whether the lease was still this claim's (not expired and taken by another claim)
	 */
	boolean renewLease(Claimed delivery, String instance, Instant until) {
		return this.jdbc.update("update dispatch_delivery set locked_until = ? where id = ? and claims = ? and "
				+ "locked_by = ? and status = 'RUNNING'", Timestamp.from(until), delivery.id(), delivery.claim(),
				instance) == 1;
	}

	/**
	 * Hands this instance's claimed deliveries back, for any instance to run (graceful shutdown). Those in
	 * {@code notStarted} never reached their handler: their claim does not count as an attempt. Those in
	 * {@code stillRunning} are in a handler that did not stop: they keep their lease.
	 */
	int release(String instance, Instant now, Collection<Long> notStarted, Collection<Long> stillRunning) {
		// A delivery can be in both: its claim not started (it waited past its lease), and this instance's later
		// claim of it still in a handler that ignored the interrupt. It keeps that run's lease.
		List<Long> handedBack = notStarted.stream().filter((id) -> !stillRunning.contains(id)).toList();
		int notCounted = 0;
		if (!handedBack.isEmpty()) {
			notCounted = this.named.update(HAND_BACK + "where id in (:ids) and attempts > 0 and status = 'RUNNING' and "
					+ "locked_by = :instance", new MapSqlParameterSource("ids", handedBack).addValue("instance", instance)
						.addValue("now", Timestamp.from(now)));
		}
		MapSqlParameterSource parameters = new MapSqlParameterSource("now", Timestamp.from(now))
			.addValue("instance", instance)
			.addValue("running", stillRunning);
		return notCounted + this.named.update("update dispatch_delivery set status = 'PENDING', locked_by = null, "
				+ "locked_until = null, next_attempt_at = :now, updated_at = :now where locked_by = :instance and "
				+ "status = 'RUNNING'" + (stillRunning.isEmpty() ? "" : " and id not in (:running)"), parameters);
	}

	/**
	 * Hands back deliveries this instance claimed ({@code ids}, by its claim number {@code claim}: 1 for those
	 * {@link #insertClaimed inserted claimed}) and never started: {@code PENDING} for any instance, their claim not
	 * counted as an attempt. Also when a graceful stop has handed them back already, as deliveries it did not know had
	 * not started: still {@code PENDING}, their attempt is given back. Only while that claim is their last: once
	 * claimed again (by any instance, this one too), the attempt was another run's, and that run's to count.
	 */
	int handBackUnstarted(String instance, Instant now, Collection<Long> ids, int claim) {
		MapSqlParameterSource parameters = new MapSqlParameterSource("ids", ids).addValue("instance", instance)
			.addValue("now", Timestamp.from(now))
			.addValue("claim", claim);
		return this.named.update(HAND_BACK + "where id in (:ids) and claims = :claim and attempts > 0 and ((status = "
				+ "'RUNNING' and locked_by = :instance) or (status = 'PENDING' and locked_by is null))", parameters);
	}

	/**
	 * Hands back delivery {@code id} that this instance claimed ({@code claim}) and did not start, while it is still
	 * that claim's: {@code PENDING}, the claim not counted as an attempt. Unlike {@link #handBackUnstarted}, never
	 * one already handed back.
	 */
	int handBackRunning(String instance, Instant now, long id, int claim) {
		return this.named.update(HAND_BACK + "where id = :id and claims = :claim and attempts > 0 and status = "
				+ "'RUNNING' and locked_by = :instance", new MapSqlParameterSource("id", id).addValue("instance", instance)
					.addValue("now", Timestamp.from(now))
					.addValue("claim", claim));
	}

	/**
	 * Hands back the deliveries of a claim whose commit failed ({@code ids}, leased to {@code instance} until
	 * {@code leaseUntil}): {@code PENDING}, the claim not counted as an attempt, if the commit went through after
	 * all. If it rolled back, none is leased so and none changes (not even one {@link #handBackUnstarted} would take).
	 * <p>
	 * Rows locked by another transaction are left to their lease (SKIP LOCKED on PostgreSQL): the claim's own
	 * transaction may still be open on the server, its COMMIT never received, until the server notices the dead
	 * connection (TCP keepalive: hours by default), and waiting for it would stop this instance's only claimer.
	 */
	int handBackClaim(String instance, Instant leaseUntil, Instant now, Collection<Long> ids) {
		MapSqlParameterSource parameters = new MapSqlParameterSource("ids", ids).addValue("instance", instance)
			.addValue("until", Timestamp.from(leaseUntil.truncatedTo(ChronoUnit.MILLIS)))
			.addValue("now", Timestamp.from(now));
		return this.named.update(HAND_BACK + "where id in (select d.id from dispatch_delivery d where " + CLAIMED
				+ this.claimLock + ")", parameters);
	}

	/** Whether any delivery, in any status, is for {@code handler}. */
	boolean hasDeliveries(String handler) {
		return !this.jdbc.queryForList("select 1 from dispatch_delivery where handler = ? fetch first 1 rows only",
				Integer.class, handler).isEmpty();
	}

	/**
	 * The {@link #orderingLock}s of the deliveries {@link #replayEvent} may replay: of every status, since one running
	 * now may have finished by the time the replay updates it (a delivery's key never changes).
	 */
	List<String> replayableOrderingLocks(String eventId, @Nullable String handler) {
		return orderingLocksWhere(OF_EVENT, eventParameters(eventId, handler));
	}

	/**
	 * Replays the deliveries of event {@code eventId} ({@link #OF_EVENT}) but those that are running, and, when
	 * {@code only} is given, but those of other handlers.
	 */
	int replayEvent(String eventId, @Nullable String handler, @Nullable Set<String> only, Instant now) {
		if (only != null && only.isEmpty()) {
			return 0;
		}
		MapSqlParameterSource parameters = eventParameters(eventId, handler).addValue("now", Timestamp.from(now));
		String ofThose = "";
		if (only != null) {
			ofThose = " and handler in (:only)";
			parameters.addValue("only", only);
		}
		return this.named.update(REPLAY + "where " + OF_EVENT + ofThose + " and status <> 'RUNNING' and "
				+ EVENT_EXISTS, parameters);
	}

	/**
	 * Ends event {@code eventId}'s {@code DEAD} deliveries ({@link #OF_EVENT}) as {@code SKIPPED}, with {@code reason}
	 * before their last error (cut to the column's 4,000 characters).
	 */
	int dismissDead(String eventId, @Nullable String handler, String reason, Instant now) {
		return this.named.update(DISMISS + OF_EVENT + " and status = 'DEAD'",
				eventParameters(eventId, handler).addValue("now", Timestamp.from(now)).addValue("reason", reason));
	}

	/** Ends these deliveries as {@link #dismissDead(String, String, String, Instant)} does, those still dead. */
	int dismissDead(Collection<Long> ids, String reason, Instant now) {
		return this.named.update(DISMISS + "id in (:ids) and status = 'DEAD'", new MapSqlParameterSource("ids", ids)
			.addValue("now", Timestamp.from(now))
			.addValue("reason", reason));
	}

	/**
	 * How many of event {@code eventId}'s deliveries {@link #replayEvent} could replay, per handler: all but the
	 * running ones.
	 */
	Map<String, Integer> replayableByHandler(String eventId) {
		Map<String, Integer> counts = new TreeMap<>();
		this.named.query("select handler, count(*) as deliveries from dispatch_delivery where "
				+ OF_EVENT + " and status <> 'RUNNING' and " + EVENT_EXISTS + " group by handler",
				eventParameters(eventId, null),
				(RowCallbackHandler) (row) -> counts.put(row.getString("handler"), row.getInt("deliveries")));
		return counts;
	}

	private static MapSqlParameterSource eventParameters(String eventId, @Nullable String handler) {
		return new MapSqlParameterSource("event", eventId).addValue("handler", handler, Types.VARCHAR);
	}

	/** The highest delivery id so far (0 when there is none): ids are given in increasing order. */
	long lastDeliveryId() {
		Long last = this.jdbc.queryForObject("select max(id) from dispatch_delivery", Long.class);
		return (last != null) ? last : 0;
	}

	/**
	 * The next {@link #REPLAY_BATCH} deliveries in {@code status} (of {@code handler}, or of every handler) after the
	 * id {@code after} and up to {@code upTo}, last changed at {@code asOf} or before, in order of id, with their
	 * ordering locks (a delivery's key never changes).
	 */
	List<Replayable> replayable(DeliveryStatus status, @Nullable String handler, long after, long upTo,
			Instant asOf) {
		return this.jdbc.query("select id, handler, ordering_key from dispatch_delivery where " + WALK + " and "
				+ EVENT_EXISTS + " order by id fetch first " + REPLAY_BATCH + " rows only",
				(rs, row) -> new Replayable(rs.getLong(1), rs.getString(2),
						(rs.getString(3) != null) ? orderingLock(rs.getString(2), rs.getString(3)) : null),
				status.name(), handler, handler, after, upTo, Timestamp.from(asOf));
	}

	/**
	 * The ids of the next {@link #REPLAY_BATCH} {@code DEAD} deliveries, as {@link #replayable} reads them, but also
	 * those whose event is gone (decision 0007): dismissed, they no longer count as dead, and nothing else ends them.
	 */
	List<Long> dead(@Nullable String handler, long after, long upTo, Instant asOf) {
		return this.jdbc.queryForList("select id from dispatch_delivery where " + WALK + " order by id fetch first "
				+ REPLAY_BATCH + " rows only", Long.class, DeliveryStatus.DEAD.name(), handler, handler, after, upTo,
				Timestamp.from(asOf));
	}

	/** Replays these deliveries, those still in {@code status}. */
	int replay(Collection<Long> ids, DeliveryStatus status, Instant now) {
		return this.named.update(REPLAY + "where id in (:ids) and status = :status",
				new MapSqlParameterSource("now", Timestamp.from(now)).addValue("ids", ids)
					.addValue("status", status.name()));
	}

	/**
	 * The backlog, the dead count, and how long the longest-waiting due delivery has waited: since its
	 * {@code next_attempt_at} (pending or waiting to retry), or since its lease expired. Not since it was created: a
	 * delivery retried for hours, or a dead one replayed weeks later, is not work left waiting.
	 */
	Stats stats(Instant now) {
		Timestamp at = Timestamp.from(now);
		return this.jdbc.queryForObject("select (select count(*) from dispatch_delivery where status in "
				+ UNFINISHED + "), (select min(next_attempt_at) from dispatch_delivery where status = 'PENDING' and "
				+ "next_attempt_at <= ?), (select min(next_attempt_at) from dispatch_delivery where status = 'FAILED' "
				+ "and next_attempt_at <= ?), (select min(locked_until) from dispatch_delivery where status = "
				+ "'RUNNING' and locked_until < ?), (select count(*) from dispatch_delivery where status = 'DEAD')",
				(rs, row) -> {
					long dueSince = Long.MAX_VALUE;
					for (int column = 2; column <= 4; column++) {
						Timestamp due = rs.getTimestamp(column);
						dueSince = (due != null) ? Math.min(dueSince, due.getTime()) : dueSince;
					}
					long waited = (dueSince != Long.MAX_VALUE) ? Math.max(0, now.toEpochMilli() - dueSince) : 0;
					return new Stats(rs.getLong(1), waited / 1000.0, rs.getLong(5));
				}, at, at, at);
	}

	/**
	 * Deletes the deliveries matching {@code condition} and their attempts: the cascade that the dispatch tables do
	 * not have (decision 0007).
	 */
	static void deleteDeliveries(NamedParameterJdbcTemplate named, String condition, MapSqlParameterSource params) {
		named.update("delete from dispatch_attempt where delivery_id in (select id from dispatch_delivery where "
				+ condition + ")", params);
		named.update("delete from dispatch_delivery where " + condition, params);
	}

	/**
	 * A delivery to write.
	 * @param filterAtRun planned by an instance that does not have the handler: the handler's filter is applied
	 * when the delivery runs (see {@link InstancePresence#othersHandlers()})
	 */
	record NewDelivery(String eventId, String handler, @Nullable String orderingKey, int maxAttempts,
			boolean filterAtRun) {

		NewDelivery(String eventId, String handler, @Nullable String orderingKey, int maxAttempts) {
			this(eventId, handler, orderingKey, maxAttempts, false);
		}

	}

	/**
	 * A delivery claimed by this instance.
	 * @param claim how many times the delivery has been claimed (since migration V47), this claim included: with the
	 * id, it names this run (the attempt number does not, a replay starts it again)
	 * @param ordered whether it has an ordering key (then the next delivery of its conversation waits for it)
	 * @param event the event already parsed, when the delivery comes straight from the intake (events are
	 * immutable values: one parse serves all of its handlers); {@code null} when it was read from the database
	 * @param filterAtRun whether the handler's filter is still to be applied (see {@link NewDelivery})
	 */
	record Claimed(long id, String eventId, String handler, int attempt, int claim, int maxAttempts,
			String contentType, byte[] payload, Instant receivedAt, boolean ordered, @Nullable IAdvizeEvent event,
			boolean filterAtRun) {

		Claimed(long id, String eventId, String handler, int attempt, int claim, int maxAttempts, String contentType,
				byte[] payload, Instant receivedAt, boolean ordered, @Nullable IAdvizeEvent event) {
			this(id, eventId, handler, attempt, claim, maxAttempts, contentType, payload, receivedAt, ordered, event,
					false);
		}

	}

	/**
	 * A finished attempt.
	 * @param claim the {@link Claimed#claim} it ran under
	 * @param ordered whether the delivery has an ordering key: recording it may release the next delivery of its
	 * conversation (not stored)
	 */
	record Completion(long deliveryId, int attempt, int claim, DeliveryStatus status, @Nullable Instant nextAttemptAt,
			@Nullable String error, Instant startedAt, Instant finishedAt, long durationMillis, boolean ordered) {
	}

	/**
	 * A delivery a bulk replay may set back.
	 * @param orderingLock its {@link #orderingLock}, {@code null} when it is not ordered
	 */
	record Replayable(long id, String handler, @Nullable String orderingLock) {
	}

	record Stats(long backlog, double oldestPendingAgeSeconds, long dead) {

		static final Stats EMPTY = new Stats(0, 0, 0);

	}

	/**
	 * Which due deliveries a claim may take: those of the handlers this instance has, and a delivery of any other
	 * handler only once it has been due since before {@code othersDueBefore} and no instance that has its handler
	 * has written a heartbeat since {@code othersSeenSince} (then no running instance has it: the claim ends it
	 * {@code SKIPPED}).
	 */
	record ClaimScope(Collection<String> handlers, Instant othersDueBefore, Instant othersSeenSince) {

		ClaimScope {
			handlers = List.copyOf(handlers);
		}

		/** Whether a claim may take other handlers' deliveries at all (not while the instance cannot judge). */
		boolean takesOthers() {
			return this.othersDueBefore.isAfter(Instant.EPOCH);
		}

	}

}
