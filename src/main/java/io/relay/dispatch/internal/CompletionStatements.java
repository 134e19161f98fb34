package io.relay.dispatch.internal;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.relay.dispatch.internal.DeliveryRepository.Completion;
import io.relay.system.Databases;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The statements that record finished attempts, for {@link DeliveryRepository#complete}: the delivery's outcome if
 * the run still holds it, and every run in the attempt history, once, even when a batch is written again.
 */
final class CompletionStatements {

	private final JdbcTemplate jdbc;

	private final NamedParameterJdbcTemplate named;

	private final boolean postgres;

	CompletionStatements(JdbcTemplate jdbc, NamedParameterJdbcTemplate named, boolean postgres) {
		this.jdbc = jdbc;
		this.named = named;
		this.postgres = postgres;
	}

	/** See {@link DeliveryRepository#complete}. */
	void write(List<Completion> completions, String instance) {
		for (int from = 0; from < completions.size(); from += 1000) {
			List<Completion> chunk = completions.subList(from, Math.min(completions.size(), from + 1000));
			Set<Run> applied;
			if (this.postgres) {
				applied = updateFromValues(chunk, instance);
			}
			else {
				int[] counts = this.jdbc.batchUpdate("update dispatch_delivery set status = ?, next_attempt_at = "
						+ "coalesce(?, next_attempt_at), last_error = ?, last_duration_ms = ?, locked_by = null, "
						+ "locked_until = null, updated_at = ? where id = ? and claims = ? and locked_by = ? and "
						+ "status = 'RUNNING'", chunk, chunk.size(), (ps, c) -> {
							setCompletion(ps, c, 0);
							ps.setString(8, instance);
						})[0];
				applied = new HashSet<>();
				for (int i = 0; i < chunk.size(); i++) {
					if (counts[i] != 0) {
						applied.add(Run.of(chunk.get(i)));
					}
				}
			}
			insertAttempts(withoutRecorded(chunk, instance, applied), instance, applied);
		}
	}

	/**
	 * The completions whose attempt is not recorded yet. A batch is written again when its commit went through but
	 * its answer was lost: its updates then match nothing, and its attempts are in the history already (not runs
	 * whose outcome was not applied; an applied one was never written before). The history has no claim count: a
	 * run is found there by its attempt number, start and end, so that the row {@link DeliveryRepository#buryAbandoned}
	 * or a claim that took the delivery over wrote for a run (started at its claim, which can be the run's own start
	 * to the millisecond) is not taken for the run's own when it returns.
	 */
	private List<Completion> withoutRecorded(List<Completion> chunk, String instance, Set<Run> applied) {
		List<Long> unapplied = chunk.stream()
			.filter((c) -> !applied.contains(Run.of(c)))
			.map(Completion::deliveryId)
			.toList();
		if (unapplied.isEmpty()) {
			return chunk;
		}
		Set<RecordedRun> recorded = new HashSet<>();
		this.named.query("select delivery_id, attempt, started_at, finished_at from dispatch_attempt where "
				+ "delivery_id in (:ids) and instance = :instance",
				new MapSqlParameterSource("ids", unapplied).addValue("instance", instance),
				(RowCallbackHandler) (rs) -> recorded.add(new RecordedRun(rs.getLong(1), rs.getInt(2),
						rs.getTimestamp(3).toInstant(), rs.getTimestamp(4).toInstant())));
		return chunk.stream()
			.filter((c) -> applied.contains(Run.of(c)) || !recorded.contains(RecordedRun.of(c)))
			.toList();
	}

	/** One run of a delivery: the claim it ran under. */
	private record Run(long deliveryId, int claim) {

		static Run of(Completion completion) {
			return new Run(completion.deliveryId(), completion.claim());
		}

	}

	/** A run as its attempt row tells it, its times kept to the millisecond (what both databases keep). */
	private record RecordedRun(long deliveryId, int attempt, long startedAtMillis, long finishedAtMillis) {

		RecordedRun(long deliveryId, int attempt, Instant startedAt, Instant finishedAt) {
			this(deliveryId, attempt, startedAt.toEpochMilli(), finishedAt.toEpochMilli());
		}

		static RecordedRun of(Completion completion) {
			return new RecordedRun(completion.deliveryId(), completion.attempt(), completion.startedAt(),
					completion.finishedAt());
		}

	}

	// One statement per batch on PostgreSQL (the casts type the VALUES list, nulls included).
	private Set<Run> updateFromValues(List<Completion> chunk, String instance) {
		String row = "(cast(? as varchar(16)), cast(? as timestamp with time zone), cast(? as varchar(4000)), "
				+ "cast(? as bigint), cast(? as timestamp with time zone), cast(? as bigint), cast(? as integer))";
		Set<Run> applied = new HashSet<>();
		this.jdbc.query((connection) -> {
			PreparedStatement ps = connection.prepareStatement("update dispatch_delivery d set status = v.status, "
					+ "next_attempt_at = coalesce(v.next_at, d.next_attempt_at), last_error = v.error, "
					+ "last_duration_ms = v.duration, locked_by = null, locked_until = null, updated_at = v.finished "
					+ "from (values " + String.join(", ", Collections.nCopies(chunk.size(), row))
					+ ") v(status, next_at, error, duration, finished, id, claim) where d.id = v.id and "
					+ "d.claims = v.claim and d.locked_by = ? and d.status = 'RUNNING' returning d.id, v.claim");
			for (int i = 0; i < chunk.size(); i++) {
				setCompletion(ps, chunk.get(i), i * 7);
			}
			ps.setString(chunk.size() * 7 + 1, instance);
			return ps;
		}, (RowCallbackHandler) (rs) -> applied.add(new Run(rs.getLong(1), rs.getInt(2))));
		return applied;
	}

	private static void setCompletion(PreparedStatement ps, Completion c, int offset) throws SQLException {
		ps.setString(offset + 1, c.status().name());
		ps.setTimestamp(offset + 2, (c.nextAttemptAt() != null) ? Timestamp.from(c.nextAttemptAt()) : null);
		ps.setString(offset + 3, Databases.text(c.error(), 4000));
		ps.setLong(offset + 4, c.durationMillis());
		ps.setTimestamp(offset + 5, Timestamp.from(c.finishedAt()));
		ps.setLong(offset + 6, c.deliveryId());
		ps.setInt(offset + 7, c.claim());
	}

	/** The error recorded with a run whose outcome was not applied. */
	private static final String NOT_APPLIED = "not applied (the delivery was no longer this run's: its lease had "
			+ "expired, and it was claimed again or ended)";

	/**
	 * Records every run, also one whose outcome was not applied (its lease expired, and the delivery was claimed
	 * again or ended dead by {@link DeliveryRepository#buryAbandoned}): it ran, perhaps with effects.
	 */
	private void insertAttempts(List<Completion> chunk, String instance, Set<Run> applied) {
		if (chunk.isEmpty()) {
			return;
		}
		this.jdbc.update((connection) -> {
			PreparedStatement ps = connection.prepareStatement("insert into dispatch_attempt (delivery_id, attempt, "
					+ "instance, started_at, finished_at, outcome, error) values "
					+ String.join(", ", Collections.nCopies(chunk.size(), "(?, ?, ?, ?, ?, ?, ?)")));
			for (int i = 0; i < chunk.size(); i++) {
				Completion c = chunk.get(i);
				int offset = i * 7;
				ps.setLong(offset + 1, c.deliveryId());
				ps.setInt(offset + 2, c.attempt());
				ps.setString(offset + 3, instance);
				ps.setTimestamp(offset + 4, Timestamp.from(c.startedAt()));
				ps.setTimestamp(offset + 5, Timestamp.from(c.finishedAt()));
				ps.setString(offset + 6, c.status().name());
				String error = applied.contains(Run.of(c)) ? c.error()
						: NOT_APPLIED + ((c.error() != null) ? ": " + c.error() : "");
				ps.setString(offset + 7, Databases.text(error, 4000));
			}
			return ps;
		});
	}

}
