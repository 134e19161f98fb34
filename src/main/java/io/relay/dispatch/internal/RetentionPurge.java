package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The retention: deletes what is older than {@code relay.retention}, on a schedule ({@link RetentionPurgeSchedule}).
 * Each run is timed in {@code relay.retention.purge} by outcome ({@code completed}, {@code failed}, {@code skipped}
 * when another instance was purging), and what it deleted counted in {@code relay.retention.purged} by
 * {@code kind}: a purge that keeps failing lets the database grow without bound, and only the log (the scheduler's
 * ERROR) would tell.
 */
@Component
class RetentionPurge {

	private static final Logger logger = LoggerFactory.getLogger(RetentionPurge.class);

	static final int PURGE_BATCH = 1000;

	private final RetentionRepository repository;

	private final RetentionProperties retention;

	private final Clock clock;

	private final TransactionTemplate transactions;

	private final ReentrantLock purging = new ReentrantLock();

	private final Timer completed;

	private final Timer failed;

	private final Timer skipped;

	private final Counter purgedEvents;

	private final Counter purgedQuarantine;

	RetentionPurge(RetentionRepository repository, RetentionProperties retention, Clock clock,
			TransactionTemplate transactions, MeterRegistry meters) {
		this.repository = repository;
		this.retention = retention;
		this.clock = clock;
		this.transactions = transactions;
		// Registered at start: an alert on failed runs with no completed one needs both series before either.
		this.completed = runs(meters, "completed");
		this.failed = runs(meters, "failed");
		this.skipped = runs(meters, "skipped");
		this.purgedEvents = purged(meters, "events");
		this.purgedQuarantine = purged(meters, "quarantined");
	}

	private static Timer runs(MeterRegistry meters, String outcome) {
		return Timer.builder("relay.retention.purge")
			.description("Runs of the retention purge (relay.retention), by outcome")
			.tag("outcome", outcome)
			.register(meters);
	}

	private static Counter purged(MeterRegistry meters, String kind) {
		return Counter.builder("relay.retention.purged")
			.description("Rows deleted by the retention purge: events (with their deliveries) or quarantined deliveries")
			.tag("kind", kind)
			.register(meters);
	}

	/**
	 * Deletes events older than {@code relay.retention}, a batch at a time, keeping any with unfinished deliveries.
	 * @return how many events were deleted
	 */
	int run() {
		// At a fixed rate (RetentionPurgeSchedule), each run gets a thread of its own: fixed-delay tasks share the
		// scheduler's one thread (on virtual threads, SimpleAsyncTaskScheduler), and a purge of a large backlog would
		// hold up the delivery statistics, the H2 compaction and the dashboard's timers. A run still going when the
		// next is due is left to finish.
		if (!this.purging.tryLock()) {
			logger.debug("The previous purge is still running: skipped");
			return 0;
		}
		long start = System.nanoTime();
		try {
			Purged purged = purgeBatches();
			// A run that found another instance purging is neither: counted as completed, it would hide that
			// instance's failures from the alert (which sums the job's instances).
			(purged.leftToAnotherInstance() ? this.skipped : this.completed).record(System.nanoTime() - start,
					TimeUnit.NANOSECONDS);
			return purged.events();
		}
		catch (RuntimeException ex) {
			this.failed.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
			throw ex;
		}
		finally {
			this.purging.unlock();
		}
	}

	private Purged purgeBatches() {
		Instant cutoff = this.clock.instant().minus(this.retention.retention());
		int total = 0;
		boolean leftToAnotherInstance = false;
		boolean first = true;
		RetentionRepository.PurgeBatch batch;
		// A full batch of candidates means there may be more, even when some of them were kept.
		do {
			batch = this.transactions.execute((status) -> this.repository.purge(cutoff, PURGE_BATCH));
			if (first) {
				leftToAnotherInstance = batch != null && batch.anotherInstancePurges();
				first = false;
			}
			int deleted = (batch != null) ? batch.deleted() : 0;
			this.purgedEvents.increment(deleted);
			total += deleted;
		}
		while (batch != null && batch.candidates() == PURGE_BATCH);
		int quarantined = 0;
		int deleted;
		do {
			deleted = this.repository.purgeQuarantine(cutoff, PURGE_BATCH);
			this.purgedQuarantine.increment(deleted);
			quarantined += deleted;
		}
		while (deleted == PURGE_BATCH);
		if (total > 0 || quarantined > 0) {
			logger.info("Purged {} events and {} quarantined deliveries received before {}", total, quarantined,
					cutoff);
		}
		return new Purged(total, leftToAnotherInstance);
	}

	/** What a run did: the events it deleted, and whether it found another instance purging. */
	private record Purged(int events, boolean leftToAnotherInstance) {
	}

}
