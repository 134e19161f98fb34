package io.relay.inbox.internal;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.relay.inbox.EventsStored;
import io.relay.inbox.Inbox;
import io.relay.inbox.InboxUnavailableException;
import io.relay.inbox.IncomingEvent;
import io.relay.inbox.QuarantinedDelivery;
import io.relay.inbox.Receipt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The inbox, with group commit: request threads hand their delivery to a queue and wait; a few writer threads take
 * whatever has queued up, store it in one transaction, and only after that commit release the waiting requests.
 * One commit (one fsync on PostgreSQL) then serves many concurrent deliveries, and no delivery is acknowledged
 * before it is durable.
 */
@Component
class GroupCommitInbox implements Inbox, SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(GroupCommitInbox.class);

	private static final String LOCK_NOT_AVAILABLE = "55P03";

	/**
	 * How long each delivery redone on its own waits for a lock: a batch failed on one held for a quarter of the
	 * acknowledgement's time, so every held one is the stalled kind, and waiting that long again for each would
	 * answer the batch-mates behind several of them too late. Another instance's live commit of the same id takes
	 * milliseconds; cut short, that delivery is answered 503 and iAdvize's retry finds it stored (a duplicate).
	 */
	private static final Duration SINGLE_LOCK_WAIT = Duration.ofMillis(200);

	private final InboxRepository repository;

	private final TransactionTemplate transactions;

	private final ApplicationEventPublisher events;

	private final InboxProperties properties;

	private final BlockingQueue<Pending> queue;

	private final List<Thread> writers = new ArrayList<>();

	private final DistributionSummary batchSizes;

	private final Timer commits;

	/**
	 * A quarter of the acknowledgement's time for a batch: far more than another live instance's commit of the same
	 * id takes, and enough left for the redo one delivery at a time.
	 */
	private final Duration batchLockWait;

	/** {@link #SINGLE_LOCK_WAIT}, or the batch's wait when that is shorter. */
	private final Duration singleLockWait;

	private volatile boolean running;

	GroupCommitInbox(InboxRepository repository, TransactionTemplate transactions, ApplicationEventPublisher events,
			InboxProperties properties, MeterRegistry meters) {
		this.repository = repository;
		this.transactions = transactions;
		this.events = events;
		this.properties = properties;
		this.queue = new ArrayBlockingQueue<>(properties.queueCapacity());
		this.batchLockWait = properties.ackTimeout().dividedBy(4);
		this.singleLockWait = (SINGLE_LOCK_WAIT.compareTo(this.batchLockWait) < 0) ? SINGLE_LOCK_WAIT
				: this.batchLockWait;
		this.batchSizes = DistributionSummary.builder("relay.inbox.batch.size")
			.description("Deliveries stored per inbox transaction")
			.register(meters);
		this.commits = Timer.builder("relay.inbox.commit")
			.description("Time to store and commit one inbox batch")
			.register(meters);
		Gauge.builder("relay.inbox.queue", this.queue, BlockingQueue::size)
			.description("Deliveries waiting for an inbox writer")
			.register(meters);
	}

	@Override
	public Receipt receive(IncomingEvent event) throws InboxUnavailableException {
		Pending pending = new Pending(event, new CompletableFuture<>());
		if (!this.queue.offer(pending)) {
			throw new InboxUnavailableException(
					"the inbox is overloaded: " + this.properties.queueCapacity() + " deliveries already waiting");
		}
		// Checked after queueing, not before: a check before could pass just as stop() ends, and the writers, gone
		// by the time the delivery is queued, would leave it waiting the whole ack-timeout. Now either a writer
		// still takes it (it drains the queue after stop), or this sees the stop and takes it back first.
		if (!this.running && this.queue.remove(pending)) {
			throw new InboxUnavailableException("Relay is not running (starting or shutting down)");
		}
		try {
			return pending.receipt().get(this.properties.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			return abandon(pending);
		}
		catch (ExecutionException ex) {
			throw unavailable(ex.getCause());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			pending.receipt().cancel(false);
			throw new InboxUnavailableException("interrupted while storing the event", ex);
		}
	}

	/**
	 * Gives up on a delivery not stored within the ack-timeout. It is cancelled, so that a writer that has not taken
	 * it yet leaves it out: under overload, writing deliveries already answered 503 would only make the queue longer
	 * for the ones still waiting (iAdvize redelivers it anyway). A writer may be storing it already: then it is
	 * stored, and the redelivery is answered as a duplicate. If its commit won the race, its answer is the true one.
	 */
	private Receipt abandon(Pending pending) throws InboxUnavailableException {
		if (pending.receipt().cancel(false)) {
			throw new InboxUnavailableException("the event was not stored within " + this.properties.ackTimeout());
		}
		if (pending.receipt().state() == Future.State.FAILED) {
			throw unavailable(pending.receipt().exceptionNow());
		}
		return pending.receipt().resultNow();
	}

	private static InboxUnavailableException unavailable(Throwable cause) {
		return new InboxUnavailableException("the database write failed: see the log", cause);
	}

	@Override
	public void quarantine(QuarantinedDelivery delivery) throws InboxUnavailableException {
		try {
			this.repository.insertQuarantine(delivery);
		}
		catch (DataAccessException ex) {
			throw new InboxUnavailableException("the delivery could not be quarantined", ex);
		}
	}

	@Override
	public boolean release(long id) {
		return this.repository.deleteQuarantine(id);
	}

	private void writeLoop() {
		List<Pending> batch = new ArrayList<>(this.properties.batchSize());
		while (this.running || !this.queue.isEmpty()) {
			try {
				Pending first = this.queue.poll(100, TimeUnit.MILLISECONDS);
				if (first == null) {
					continue;
				}
				batch.add(first);
				this.queue.drainTo(batch, this.properties.batchSize() - 1);
				batch.removeIf(Pending::abandoned);
				if (!batch.isEmpty()) {
					write(batch);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException | Error ex) {
				// write() completes every future itself; this is a last guard so that the writer never dies: a dead
				// writer would answer 503 to every later delivery until a restart, and iAdvize gives up after 30 s.
				logger.error("Inbox writer failed on a batch of {}", batch.size(), ex);
				batch.forEach((pending) -> pending.receipt().completeExceptionally(ex));
			}
			finally {
				batch.clear();
			}
		}
	}

	private void write(List<Pending> batch) {
		this.batchSizes.record(batch.size());
		long start = System.nanoTime();
		try {
			List<Receipt> receipts = this.transactions.execute((status) -> store(batch, this.batchLockWait));
			complete(batch, receipts);
		}
		catch (RuntimeException ex) {
			if (oneDeliverysOwn(ex)) {
				redoOneAtATime(batch);
			}
			else {
				logger.warn("Could not store {} deliveries: {}", batch.size(), ex.toString());
				batch.forEach((pending) -> pending.receipt().completeExceptionally(ex));
			}
		}
		finally {
			this.commits.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
		}
	}

	/**
	 * Whether a batch's failure may be one delivery's own, so that its batch-mates must not fail with it (that would
	 * answer 503 to all of them, and again when they are redelivered together). A duplicate key: only when another
	 * transaction inserted one of these ids between our insert-if-absent and its commit (H2 has no atomic ON
	 * CONFLICT). A value that one row's column refuses. Or a lock waited for too long: one of these ids is held
	 * uncommitted by a transaction that stalled (see InboxRepository.limitLockWait). Not other failures: a database
	 * that is down would be waited for once per delivery.
	 */
	private static boolean oneDeliverysOwn(RuntimeException ex) {
		if (ex instanceof DataIntegrityViolationException || ex instanceof PessimisticLockingFailureException) {
			return true;
		}
		// Spring leaves PostgreSQL's lock_timeout (55P03, lock_not_available) uncategorised.
		return ex instanceof DataAccessException access && access.getMostSpecificCause() instanceof SQLException sql
				&& LOCK_NOT_AVAILABLE.equals(sql.getSQLState());
	}

	private void redoOneAtATime(List<Pending> batch) {
		RuntimeException down = null;
		for (Pending pending : batch) {
			if (pending.abandoned()) {
				continue;
			}
			if (down != null) {
				pending.receipt().completeExceptionally(down);
				continue;
			}
			try {
				complete(List.of(pending),
						this.transactions.execute((status) -> store(List.of(pending), this.singleLockWait)));
			}
			catch (RuntimeException single) {
				pending.receipt().completeExceptionally(single);
				if (!oneDeliverysOwn(single)) {
					// Not a value of this delivery: the database itself (gone since the batch failed). The rest of
					// the batch fails with it at once instead of waiting for it one delivery at a time.
					down = single;
				}
			}
		}
	}

	private List<Receipt> store(List<Pending> batch, Duration lockWait) {
		this.repository.limitLockWait(lockWait);
		// The first delivery of each id in this batch tries to insert; any later one in the same batch is a duplicate.
		Set<String> seen = new HashSet<>();
		List<IncomingEvent> candidates = new ArrayList<>();
		for (Pending pending : batch) {
			if (seen.add(pending.event().eventId())) {
				candidates.add(pending.event());
			}
		}
		boolean[] inserted = this.repository.insertIfAbsent(candidates);
		Set<String> insertedIds = new HashSet<>();
		List<IncomingEvent> newEvents = new ArrayList<>();
		for (int i = 0; i < candidates.size(); i++) {
			if (inserted[i]) {
				insertedIds.add(candidates.get(i).eventId());
				newEvents.add(candidates.get(i));
			}
		}
		List<Receipt> receipts = new ArrayList<>(batch.size());
		List<IncomingEvent> duplicates = new ArrayList<>();
		for (Pending pending : batch) {
			boolean isNew = insertedIds.remove(pending.event().eventId());
			if (!isNew) {
				duplicates.add(pending.event());
			}
			receipts.add(new Receipt(pending.event().eventId(), !isNew));
		}
		if (!duplicates.isEmpty()) {
			this.repository.insertDuplicates(duplicates);
		}
		if (!newEvents.isEmpty()) {
			this.events.publishEvent(new EventsStored(newEvents));
		}
		return receipts;
	}

	private static void complete(List<Pending> batch, List<Receipt> receipts) {
		for (int i = 0; i < batch.size(); i++) {
			batch.get(i).receipt().complete(receipts.get(i));
		}
	}

	@Override
	public void start() {
		this.running = true;
		for (int i = 0; i < this.properties.writersFor(this.repository.postgres()); i++) {
			this.writers.add(Thread.ofPlatform().name("inbox-writer-" + i).start(this::writeLoop));
		}
	}

	@Override
	public void stop() {
		// Runs after the web server has stopped taking requests (see getPhase): every delivery already queued is
		// still written, so every request that is waiting gets its true answer.
		this.running = false;
		for (Thread writer : this.writers) {
			try {
				writer.join(this.properties.ackTimeout().toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		this.writers.clear();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// Start before and stop after the web server (whose graceful shutdown runs at DEFAULT_PHASE - 1024).
		return SmartLifecycle.DEFAULT_PHASE - 4096;
	}

	private record Pending(IncomingEvent event, CompletableFuture<Receipt> receipt) {

		/** Whether its request stopped waiting (see abandon): nobody would be told that it was stored. */
		boolean abandoned() {
			return this.receipt.isCancelled();
		}

	}

}
