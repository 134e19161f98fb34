package io.relay.dispatch.internal;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.relay.dispatch.DeliveryStatus;
import io.relay.system.Databases;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The retention's statements: old events with their deliveries and attempts, and old quarantined deliveries.
 */
@Repository
class RetentionRepository {

	/** The first key of the retention's advisory lock (the ordering keys' locks take the one-key form). */
	static final int ADVISORY_LOCK_SPACE = Databases.RETENTION_LOCK_SPACE;

	private final JdbcTemplate jdbc;

	private final NamedParameterJdbcTemplate named;

	private final boolean postgres;

	RetentionRepository(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
		this.named = new NamedParameterJdbcTemplate(jdbc);
		this.postgres = Databases.isPostgres(jdbc);
	}

	/**
	 * Deletes up to {@code batch} quarantined deliveries received before {@code cutoff}: signed bodies that could
	 * not be read, as personal as any event, and kept no longer.
	 * @return how many were deleted
	 */
	int purgeQuarantine(Instant cutoff, int batch) {
		return this.jdbc.update("delete from inbox_quarantine where id in (select id from inbox_quarantine where "
				+ "received_at < ? order by id fetch first ? rows only)", Timestamp.from(cutoff), batch);
	}

	/**
	 * The next batch of events to purge: received before the cutoff ({@code ?}), with no unfinished delivery, at
	 * most {@code ?}. PostgreSQL walks the primary key and stops at the limit. H2 would read every event before the
	 * cutoff through the time index, then sort them all by id, at every batch (a purge of N events cost N²/1000
	 * row reads: hours for a few million): in the index's own order it stops at the limit too.
	 */
	static String candidates(boolean postgres) {
		return "select e.event_id from inbox_event e where e.received_at < ? and not exists (select 1 from "
				+ "dispatch_delivery d where d.event_id = e.event_id and d.status in " + DeliveryRepository.UNFINISHED
				+ ") order by " + (postgres ? "e.id" : "e.received_at") + " fetch first ? rows only";
	}

	/**
	 * Deletes up to {@code batch} events received before {@code cutoff} none of whose deliveries has work left, with
	 * their attempts and deliveries (no foreign keys on the dispatch path, decision 0007; duplicates and workflow
	 * references still go by cascade). Call inside a transaction.
	 * On PostgreSQL one instance purges at a time (a transaction-level advisory lock): another instance's batch
	 * ends this run.
	 * @return how many candidates were looked at, and how many of them deleted (fewer when some became unfinished
	 * or were deleted by another instance meanwhile)
	 */
	PurgeBatch purge(Instant cutoff, int batch) {
		if (this.postgres && !Boolean.TRUE.equals(this.jdbc.queryForObject("select pg_try_advisory_xact_lock(?, 1)",
				Boolean.class, ADVISORY_LOCK_SPACE))) {
			// Another instance is purging: every instance would take the same candidates and lock the same rows.
			return PurgeBatch.ANOTHER_INSTANCE_PURGES;
		}
		List<String> ids = this.jdbc.queryForList(candidates(this.postgres), String.class, Timestamp.from(cutoff),
				batch);
		int candidates = ids.size();
		if (ids.isEmpty()) {
			return new PurgeBatch(0, 0);
		}
		// Lock the candidates' deliveries and look again: a replay (or a claim) committed since the select above
		// makes an event's work unfinished, and that event stays; a replay that comes after waits for this
		// transaction and then finds nothing left to replay.
		Set<String> unfinished = new HashSet<>();
		this.named.query("select event_id, status from dispatch_delivery where event_id in (:ids) order by id for update",
				new MapSqlParameterSource("ids", ids), (rs) -> {
					if (DeliveryStatus.valueOf(rs.getString(2)).isUnfinished()) {
						unfinished.add(rs.getString(1));
					}
				});
		ids = ids.stream().filter((id) -> !unfinished.contains(id)).toList();
		if (ids.isEmpty()) {
			return new PurgeBatch(candidates, 0);
		}
		MapSqlParameterSource events = new MapSqlParameterSource("ids", ids);
		DeliveryRepository.deleteDeliveries(this.named, "event_id in (:ids)", events);
		return new PurgeBatch(candidates, this.named.update("delete from inbox_event where event_id in (:ids)", events));
	}

	/**
	 * One batch of the purge.
	 * @param anotherInstancePurges whether it was left to another instance, which holds the purge's lock
	 */
	record PurgeBatch(int candidates, int deleted, boolean anotherInstancePurges) {

		static final PurgeBatch ANOTHER_INSTANCE_PURGES = new PurgeBatch(0, 0, true);

		PurgeBatch(int candidates, int deleted) {
			this(candidates, deleted, false);
		}

	}

}
