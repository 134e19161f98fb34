package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The retention: deletes what is older than {@code relay.retention}, on a schedule ({@link RetentionPurgeSchedule}).
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

	RetentionPurge(RetentionRepository repository, RetentionProperties retention, Clock clock,
			TransactionTemplate transactions) {
		this.repository = repository;
		this.retention = retention;
		this.clock = clock;
		this.transactions = transactions;
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
		try {
			return purgeBatches();
		}
		finally {
			this.purging.unlock();
		}
	}

	private int purgeBatches() {
		Instant cutoff = this.clock.instant().minus(this.retention.retention());
		int total = 0;
		RetentionRepository.PurgeBatch batch;
		// A full batch of candidates means there may be more, even when some of them were kept.
		do {
			batch = this.transactions.execute((status) -> this.repository.purge(cutoff, PURGE_BATCH));
			total += (batch != null) ? batch.deleted() : 0;
		}
		while (batch != null && batch.candidates() == PURGE_BATCH);
		int quarantined = 0;
		int deleted;
		do {
			deleted = this.repository.purgeQuarantine(cutoff, PURGE_BATCH);
			quarantined += deleted;
		}
		while (deleted == PURGE_BATCH);
		if (total > 0 || quarantined > 0) {
			logger.info("Purged {} events and {} quarantined deliveries received before {}", total, quarantined,
					cutoff);
		}
		return total;
	}

}
