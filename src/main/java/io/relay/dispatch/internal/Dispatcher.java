package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.relay.system.LogThrottle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs deliveries on this instance. Three kinds of threads:
 * <ul>
 * <li>the <em>claimer</em> takes due deliveries from the database (up to twice as many as there are workers at a
 * time, as far as free slots allow: four per worker), woken at
 * once when this instance stores new events and otherwise every {@code poll-interval};</li>
 * <li><em>workers</em> (virtual threads, at most {@code workers} at a time) run the handlers;</li>
 * <li>the <em>completer</em> writes finished attempts in batches (one commit for many deliveries), then wakes the
 * claimer when a finished delivery may release the next one of its conversation, or when the claimer is waiting for
 * free slots.</li>
 * </ul>
 * New deliveries normally bypass the claimer (see {@link DeliveryPlanner}): the claimer only runs when there is
 * something for it, and takes at most half of the slots at a time, so that new deliveries keep that fast path even
 * while it works through a backlog (a claimer holding every free slot during its transaction would send them all
 * the slow way, and so feed its own backlog).
 */
@Component
class Dispatcher implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(Dispatcher.class);

	private static final int COMPLETION_BATCH = 500;

	/** The most retry times kept for a wake-up (about 40 bytes each); see {@link RetryTimes}. */
	private static final int KNOWN_RETRIES = 10_000;

	private static final long FIRST_PAUSE_AFTER_FAILED_CLAIM = 100;

	private final DeliveryRepository repository;

	private final TransactionTemplate transactions;

	/**
	 * A transaction of its own, even when called from another transaction's afterCommit (whose connection would
	 * take the work into a transaction that is already over).
	 */
	private final TransactionTemplate ownTransactions;

	private final DeliveryRunner runner;

	/** This instance's name and handlers, and what it may claim of other instances' handlers. */
	private final InstancePresence presence;

	private final DispatchProperties properties;

	private final Clock clock;

	private final String instance;

	/** Deliveries running (at most {@code workers}). */
	private final Semaphore freeWorkers;

	/**
	 * Deliveries claimed by this instance and not yet finished, running or waiting for a worker: claiming ahead of
	 * the workers keeps them busy without a database round trip per delivery.
	 */
	private final Semaphore freeSlots;

	private final int slots;

	/** The most deliveries one claim takes: half the slots, the other half stays for new deliveries. */
	private final int claimBatch;

	/** One permit at start: deliveries handed back by the previous shutdown are claimed at once. */
	private final Semaphore wakeups = new Semaphore(1);

	/**
	 * Whether deliveries may be waiting in the database for this instance's claimer (written {@code PENDING}, or
	 * left when the claimer had no free slot): while true, every completion wakes the claimer.
	 */
	private volatile boolean backlog = true;

	/** The retries this instance scheduled and has not claimed yet: the claimer wakes for each when it is due. */
	private final RetryTimes retries = new RetryTimes(KNOWN_RETRIES);

	/**
	 * How long the claimer waits before it tries again after claims that failed (0: the last one went through).
	 * The claimer thread's own.
	 */
	private long pauseAfterFailedClaim;

	/**
	 * Set by a stop just before it interrupts the handlers still running: what they return then is the interrupt's
	 * doing, whether or not they kept the thread's interrupt flag (a handler or library that catches the
	 * InterruptedException and returns a retry clears it).
	 */
	private volatile boolean interruptsSent;

	private final LinkedBlockingQueue<DeliveryRepository.Completion> completions = new LinkedBlockingQueue<>();

	/** Deliveries claimed by this instance that shutdown kept from starting (their claim is not an attempt). */
	private final Set<Long> notStarted = ConcurrentHashMap.newKeySet();

	/**
	 * Deliveries whose handler is running right now on this instance, with how many runs of each: two when a run
	 * outlived its lease and this instance claimed its delivery again, and the first to end must not take the other
	 * out of what a stop leaves leased.
	 */
	private final Map<Long, Integer> inHandler = new ConcurrentHashMap<>();

	private volatile boolean running;

	private final LogThrottle fencedLog;

	/** For the hand-backs of {@link #fencedOut}, bounded in time. */
	private final TransactionTemplate handBacks;

	/** How long a claimed delivery may wait for a worker before its lease is renewed as it starts. */
	private final Duration renewAfter;

	/**
	 * Deliveries claimed by this instance that it did not start while it might look gone, and could not hand back
	 * (the database out of reach), by id with their claim: handed back by the claimer once it may claim again.
	 */
	private final Map<Long, Integer> fencedOut = new ConcurrentHashMap<>();

	/** Those of {@link #fencedOut} being handed back right now. */
	private final Set<Long> handingBack = ConcurrentHashMap.newKeySet();

	private ExecutorService workers;

	private Thread claimer;

	private Thread completer;

	/**
	 * Until when ({@link System#nanoTime()}) the completer retries a write that fails: set by a stop once the workers
	 * have ended (their last completions are then queued), a shutdown timeout later; {@code null} while running.
	 */
	private volatile @Nullable Long completionsDeadline;

	Dispatcher(DeliveryRepository repository, TransactionTemplate transactions, DeliveryRunner runner,
			InstancePresence presence, DispatchProperties properties, Clock clock) {
		this.repository = repository;
		this.presence = presence;
		this.transactions = transactions;
		this.ownTransactions = new TransactionTemplate(
				Objects.requireNonNull(transactions.getTransactionManager(), "transaction manager"));
		this.ownTransactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.runner = runner;
		this.properties = properties;
		this.clock = clock;
		this.instance = presence.name();
		this.freeWorkers = new Semaphore(properties.workers());
		this.slots = properties.workers() * 4;
		this.freeSlots = new Semaphore(this.slots);
		this.claimBatch = Math.max(1, this.slots / 2);
		this.fencedLog = new LogThrottle(Duration.ofSeconds(10), clock);
		this.handBacks = new TransactionTemplate(
				Objects.requireNonNull(transactions.getTransactionManager(), "transaction manager"), this.ownTransactions);
		// A row still locked by a hand-back whose answer was lost must not hold the claimer (or a stop) for good.
		this.handBacks.setTimeout(5);
		Duration beforeTakeover = properties.fenceAfter();
		Duration tenth = properties.lease().dividedBy(10);
		this.renewAfter = (tenth.compareTo(beforeTakeover) < 0) ? tenth : beforeTakeover;
	}

	/**
	 * Reserves up to {@code wanted} slots for deliveries this instance is about to claim.
	 * @return how many were reserved (0 when the instance is busy or stopping, or may look gone to the others)
	 */
	int reserve(int wanted) {
		if (this.presence.mayLookGone()) {
			// The intake's deliveries are then written PENDING, for any instance: claimed here, they would wait
			// under this instance's lease, out of the others' reach.
			return 0;
		}
		int reserved = 0;
		while (this.running && reserved < wanted && this.freeSlots.tryAcquire()) {
			reserved++;
		}
		return reserved;
	}

	/** Gives back slots that were reserved but not used. */
	void release(int slots) {
		if (slots > 0) {
			this.freeSlots.release(slots);
		}
	}

	/**
	 * Gives back slots that no completion follows (an inbox transaction that rolled back, a delivery that did not
	 * run). A claimer that found every slot taken waits for a completion to wake it; for these none comes, and it
	 * would wait for the poll. Not on every delivery's end: the completions wake it a batch at a time, and a wake-up
	 * per slot would make it claim one delivery at a time.
	 */
	void giveBack(int slots) {
		release(slots);
		if (slots > 0 && this.backlog) {
			this.wakeups.release();
		}
	}

	/**
	 * Runs a delivery claimed in a slot reserved with {@link #reserve}.
	 * @param claimedAt the claim's time, from which its lease runs and other instances count (not when its commit
	 * came back, which can be much later)
	 */
	void submit(DeliveryRepository.Claimed delivery, Instant claimedAt) {
		try {
			this.workers.submit(() -> run(delivery, claimedAt));
		}
		catch (RejectedExecutionException ex) {
			// Stopping: an inbox transaction that reserved its slot before the stop committed after the workers shut
			// down (maybe after the stop handed this instance's deliveries back). Called after that commit, so a
			// failure here would answer 503 for stored events; and left RUNNING, the delivery would wait for its lease.
			this.freeSlots.release();
			// The planner's, or the claimer's when its claim outlasted the stop's wait for it: by its own claim.
			List<Long> ids = List.of(delivery.id());
			if (handBack(ids, (now) -> this.repository.handBackUnstarted(this.instance, now, ids, delivery.claim())) > 0) {
				logger.info("Delivery {} was claimed while Relay stopped: handed back as PENDING", delivery.id());
			}
		}
	}

	/**
	 * Hands back deliveries this instance inserted claimed but will not run, in a transaction of its own (callable
	 * after another one completed); those that do not exist (their transaction rolled back) are left alone.
	 * @return how many were handed back (0 when the database could not be reached: they run when their lease
	 * expires)
	 */
	int handBack(Collection<Long> ids) {
		// Inserted claimed: their first claim.
		return handBack(ids, (now) -> this.repository.handBackUnstarted(this.instance, now, ids, 1));
	}

	private void handBackClaim(List<DeliveryRepository.Claimed> claimed, Instant leaseUntil) {
		List<Long> ids = claimed.stream().map(DeliveryRepository.Claimed::id).toList();
		if (handBack(ids, (now) -> this.repository.handBackClaim(this.instance, leaseUntil, now, ids)) > 0) {
			logger.info("Deliveries {} were claimed by a commit whose answer was lost: handed back as PENDING", ids);
		}
	}

	private int handBack(Collection<Long> ids, Function<Instant, Integer> update) {
		try {
			Integer handedBack = this.ownTransactions.execute((status) -> update.apply(this.clock.instant()));
			if (handedBack != null && handedBack > 0) {
				wake();
				return handedBack;
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not hand deliveries {} back; they run when their lease expires: {}", ids, ex.toString());
		}
		return 0;
	}

	/** Hands back a claimed delivery this instance will not start now; kept for later when the database is out of reach. */
	private void fenceOut(DeliveryRepository.Claimed delivery) {
		fenced();
		this.fencedOut.put(delivery.id(), delivery.claim());
		handBackFencedOut();
	}

	/**
	 * Hands back the deliveries {@link #fenceOut} kept (those another instance took over meanwhile are left to it).
	 * Until then they stay RUNNING under this instance, and a stop hands them back as not started.
	 */
	private void handBackFencedOut() {
		if (this.fencedOut.isEmpty()) {
			// Every claim comes here first: nothing to copy then.
			return;
		}
		for (Map.Entry<Long, Integer> delivery : List.copyOf(this.fencedOut.entrySet())) {
			// Taken out first: the claimer and the workers hand back at the same time, and each must do it once.
			if (!this.fencedOut.remove(delivery.getKey(), delivery.getValue())) {
				continue;
			}
			// Still seen by a stop that comes meanwhile (which hands back what it finds, as not started).
			this.handingBack.add(delivery.getKey());
			try {
				this.handBacks.execute((status) -> this.repository.handBackRunning(this.instance,
						this.clock.instant(), delivery.getKey(), delivery.getValue()));
				wake();
			}
			catch (RuntimeException ex) {
				this.fencedOut.putIfAbsent(delivery.getKey(), delivery.getValue());
				if (this.fencedLog.allow("hand back")) {
					logger.warn("Could not hand deliveries {} back (tried again at the next claim, and by a stop): {}",
							this.fencedOut.keySet(), ex.toString());
				}
				return;
			}
			finally {
				this.handingBack.remove(delivery.getKey());
			}
		}
	}

	private List<Long> notStartedOrFencedOut() {
		Set<Long> ids = new HashSet<>(this.notStarted);
		ids.addAll(this.fencedOut.keySet());
		ids.addAll(this.handingBack);
		return List.copyOf(ids);
	}

	private void fenced() {
		if (this.fencedLog.allow("fenced")) {
			logger.warn("This instance's heartbeats have not gone through for {} or more: it claims and starts no "
					+ "delivery until one does, since other instances take over the deliveries of an instance silent for "
					+ "{} (relay.dispatch.instance-timeout)", this.properties.fenceAfter(),
					this.properties.silence());
		}
	}

	/** New work may be due now (called after a commit that created deliveries for the claimer). */
	void wake() {
		this.backlog = true;
		this.wakeups.release();
	}

	String instance() {
		return this.instance;
	}

	private void claimLoop() {
		while (this.running) {
			try {
				this.wakeups.tryAcquire(untilNextClaim(), TimeUnit.MILLISECONDS);
				this.wakeups.drainPermits();
				// Those due now are claimed below; any scheduled from here on is added (and wakes us if earlier).
				this.retries.reached(this.clock.millis());
				claimWhileThereIsWork();
				this.pauseAfterFailedClaim = 0;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (RuntimeException ex) {
				logger.warn("Could not claim deliveries (will try again): {}", ex.toString());
				claimFailed();
			}
			catch (Error ex) {
				// An OutOfMemoryError under a burst, say: this thread must not end on it while the instance goes on,
				// claiming nothing more (on H2, no other instance would).
				logger.error("Could not claim deliveries (will try again)", ex);
				claimFailed();
			}
		}
	}

	/**
	 * A failed claim took the wake-ups it was claiming for (permits, retry times): the next try comes soon, not at
	 * the poll, and later, while claims keep failing (a database that is down), no more often than the poll.
	 */
	private void claimFailed() {
		long poll = this.properties.pollInterval().toMillis();
		this.pauseAfterFailedClaim = Math.min(poll, Math.max(FIRST_PAUSE_AFTER_FAILED_CLAIM,
				this.pauseAfterFailedClaim * 2));
	}

	/**
	 * Until the next poll (sooner after a failed claim), or the next retry this instance scheduled if that comes
	 * first.
	 */
	private long untilNextClaim() {
		long poll = (this.pauseAfterFailedClaim > 0) ? this.pauseAfterFailedClaim
				: this.properties.pollInterval().toMillis();
		long retryAt = this.retries.earliest();
		return (retryAt == Long.MAX_VALUE) ? poll : Math.max(0, Math.min(poll, retryAt - this.clock.millis()));
	}

	private void claimWhileThereIsWork() throws InterruptedException {
		while (this.running) {
			// Those kept are handed back as soon as the database answers, fenced or not.
			handBackFencedOut();
			if (this.presence.mayLookGone()) {
				fenced();
				return;
			}
			int reserved = reserve(this.claimBatch);
			if (reserved == 0) {
				// Every slot is taken: with the flag set, the next completion wakes us. Look once more, in case
				// the last one finished before the flag was set.
				this.backlog = true;
				reserved = reserve(this.claimBatch);
			}
			if (reserved == 0) {
				// Not untilNextClaim(): a retry that is due cannot be claimed without a slot either, and waiting
				// zero for it spun this thread on a core until a slot came free. The next completion wakes us.
				this.wakeups.tryAcquire(this.properties.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
				continue;
			}
			int limit = reserved;
			Instant now = this.clock.instant();
			Instant leaseUntil = now.plus(this.properties.lease());
			// Filled inside the transaction, so that a commit that fails still tells which deliveries it claimed.
			List<DeliveryRepository.Claimed> claimed = new ArrayList<>();
			try {
				DeliveryRepository.ClaimScope scope = this.presence.claimScope(now);
				this.transactions.executeWithoutResult((status) -> claimed
					.addAll(this.repository.claim(this.instance, scope, now, leaseUntil, limit)));
			}
			catch (RuntimeException | Error ex) {
				release(reserved);
				if (!claimed.isEmpty()) {
					// The claim's statements went through and its commit failed. The answer may have been lost after
					// the database committed: the deliveries would stay RUNNING under this instance's lease with no
					// worker until it expires (an attempt spent, their conversations held back). Handed back, they
					// are claimed again now; had the commit rolled back, nothing is leased so and nothing changes.
					handBackClaim(claimed, leaseUntil);
				}
				throw ex;
			}
			release(reserved - claimed.size());
			claimed.forEach((delivery) -> submit(delivery, now));
			if (claimed.size() < reserved) {
				// Nothing else is due now; a wake() during the claim left a permit, so nothing new is missed.
				this.backlog = false;
				return;
			}
		}
	}

	private void run(DeliveryRepository.Claimed delivery, Instant claimedAt) {
		try {
			this.freeWorkers.acquire();
		}
		catch (InterruptedException ex) {
			// Shutting down before it started: the delivery stays RUNNING and is handed back by stop().
			Thread.currentThread().interrupt();
			this.notStarted.add(delivery.id());
			release(1);
			return;
		}
		boolean completed = false;
		try {
			if (!this.running) {
				// Claimed but not started when shutdown began: stop() hands it back as PENDING.
				this.notStarted.add(delivery.id());
			}
			else if (stillLeased(delivery, claimedAt)) {
				// Checked last, after a renewal that may have waited on the database: right before the handler.
				if (this.presence.mayLookGone()) {
					// Another instance may be taking it over right now: it runs there, or here once handed back.
					fenceOut(delivery);
				}
				else {
					this.inHandler.merge(delivery.id(), 1, Integer::sum);
					try {
						this.completions.add(this.runner.run(delivery, () -> this.interruptsSent));
						completed = true;
					}
					finally {
						this.inHandler.computeIfPresent(delivery.id(), (id, runs) -> (runs == 1) ? null : runs - 1);
					}
				}
			}
		}
		catch (RuntimeException | Error ex) {
			// Not the handler's failures (the runner records those): Relay's own. The delivery stays RUNNING and
			// runs again when its lease expires.
			logger.error("Delivery {} of event {} to '{}' could not be run; it runs again after its lease",
					delivery.id(), delivery.eventId(), delivery.handler(), ex);
		}
		finally {
			this.freeWorkers.release();
			if (completed) {
				release(1);
			}
			else {
				giveBack(1);
			}
		}
	}

	/**
	 * Whether this instance still holds the delivery's lease, renewed when it waited long for a worker: the lease
	 * runs from the claim, and up to four claims per worker wait in memory, so with slow handlers the wait alone
	 * could use up most of it and the handler be run again elsewhere while it still runs here. Long is a tenth of the
	 * lease, or less than the time after which a silent instance's deliveries are taken over (while it waited, this
	 * instance may have been fenced, judged gone and its delivery claimed by another, then come back).
	 */
	private boolean stillLeased(DeliveryRepository.Claimed delivery, Instant claimedAt) {
		Instant now = this.clock.instant();
		Duration lease = this.properties.lease();
		if (Duration.between(claimedAt, now).compareTo(this.renewAfter) <= 0) {
			return true;
		}
		try {
			if (this.repository.renewLease(delivery, this.instance, now.plus(lease))) {
				return true;
			}
			logger.info("Delivery {} waited for a worker past its lease and was claimed again meanwhile: left to "
					+ "that claim", delivery.id());
			return false;
		}
		catch (RuntimeException ex) {
			logger.warn("Could not renew the lease of delivery {} (running it anyway): {}", delivery.id(),
					ex.toString());
			return true;
		}
	}

	private void completeLoop() {
		List<DeliveryRepository.Completion> batch = new ArrayList<>(COMPLETION_BATCH);
		while (this.running || !this.completions.isEmpty() || this.freeSlots.availablePermits() < this.slots) {
			try {
				DeliveryRepository.Completion first = this.completions.poll(100, TimeUnit.MILLISECONDS);
				if (first == null) {
					continue;
				}
				batch.add(first);
				this.completions.drainTo(batch, COMPLETION_BATCH - 1);
				writeCompletions(batch);
				// The retries are noted first, whatever wakes the claimer: woken now for an ordered completion, it
				// finds the retry not yet due and must then wait for it, not for the poll.
				boolean earlierRetry = scheduledEarlierRetry(batch);
				if (this.backlog || batch.stream().anyMatch(DeliveryRepository.Completion::ordered) || earlierRetry) {
					this.wakeups.release();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			finally {
				batch.clear();
			}
		}
	}

	/** Whether the batch holds a retry due before any this instance knew of (the claimer then waits less). */
	private boolean scheduledEarlierRetry(List<DeliveryRepository.Completion> batch) {
		boolean earlier = false;
		for (DeliveryRepository.Completion completion : batch) {
			if (completion.nextAttemptAt() != null) {
				// Rounded up: waking before the stored time would find nothing, and forget the retry.
				earlier |= this.retries.add(completion.nextAttemptAt().toEpochMilli() + 1);
			}
		}
		return earlier;
	}

	private void writeCompletions(List<DeliveryRepository.Completion> batch) throws InterruptedException {
		// A failed write is retried: dropping it would leave deliveries RUNNING until their lease expires, and
		// then run them twice.
		Duration pause = Duration.ofMillis(100);
		while (true) {
			try {
				this.transactions.executeWithoutResult((status) -> this.repository.complete(batch, this.instance));
				return;
			}
			catch (RuntimeException | Error ex) {
				// An Error too: had this thread ended on it, every delivery would stay RUNNING, run again after its
				// lease, and end DEAD.
				Duration wait = pause;
				Long deadline = this.completionsDeadline;
				if (deadline != null) {
					// Stopping: the stop waits for this thread for a while only, and this thread must not go on
					// retrying after the context has closed. Up to a shutdown timeout after the workers ended.
					Duration left = Duration.ofNanos(deadline - System.nanoTime());
					if (!left.isPositive()) {
						logger.error("Giving up recording {} finished deliveries at shutdown: they will run again "
								+ "(handed back by the stop if the database answers by then, else after their lease)",
								batch.size());
						return;
					}
					wait = (left.compareTo(wait) < 0) ? left : wait;
				}
				logger.warn("Could not record {} finished deliveries; retrying in {}: {}", batch.size(), wait,
						ex.toString());
				// Not on the claimer's semaphore: a pause must not swallow a wake-up meant for the claimer.
				TimeUnit.NANOSECONDS.sleep(wait.toNanos());
				pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5)
						: pause.multipliedBy(2);
			}
		}
	}

	@Override
	public void start() {
		this.completionsDeadline = null;
		this.interruptsSent = false;
		this.running = true;
		this.workers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("delivery-", 0).factory());
		// Daemons: a stop waits for them (with a timeout); one that outlives it must not keep the JVM alive.
		this.claimer = Thread.ofPlatform().name("delivery-claimer").daemon().start(this::claimLoop);
		this.completer = Thread.ofPlatform().name("delivery-completer").daemon().start(this::completeLoop);
		logger.info("Dispatcher {} started with {} workers", this.instance, this.properties.workers());
	}

	@Override
	public void stop() {
		this.running = false;
		this.wake();
		join(this.claimer, Duration.ofSeconds(10));
		this.workers.shutdown();
		try {
			if (!this.workers.awaitTermination(this.properties.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
				logger.warn("Deliveries still running after {}: interrupting them; they will run again",
						this.properties.shutdownTimeout());
				this.interruptsSent = true;
				this.workers.shutdownNow();
				this.workers.awaitTermination(5, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		this.completionsDeadline = System.nanoTime() + this.properties.shutdownTimeout().toNanos();
		join(this.completer, this.properties.shutdownTimeout().plusSeconds(5));
		// A handler that ignored the interrupt still runs: handed back, its delivery could start on another
		// instance alongside it. It keeps its lease instead, and runs again once the lease has expired, or once
		// the heartbeats (which stop with this instance) have been silent for the instance timeout.
		List<Long> stillRunning = List.copyOf(this.inHandler.keySet());
		if (!stillRunning.isEmpty()) {
			logger.warn("Deliveries {} are still in their handler after the shutdown timeout and its interrupt: they "
					+ "stay RUNNING and run again once this instance's heartbeats have stopped for {} or their lease "
					+ "({}) expires, whichever comes first", stillRunning, this.properties.silence(),
					this.properties.lease());
		}
		// By their claim first (release goes by id alone); what is left, with the not started ones.
		handBackFencedOut();
		try {
			int released = this.repository.release(this.instance, this.clock.instant(),
					notStartedOrFencedOut(), stillRunning);
			if (released > 0) {
				logger.info("Handed {} unfinished deliveries back as PENDING", released);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Could not hand unfinished deliveries back; they will be taken up when their lease expires, or "
					+ "once this instance's heartbeats have stopped for {}: {}", this.properties.silence(), ex.toString());
		}
	}

	private static void join(Thread thread, Duration timeout) {
		try {
			thread.join(timeout);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// Stops before the inbox writer (DEFAULT_PHASE - 4096) and after the web server.
		return SmartLifecycle.DEFAULT_PHASE - 3072;
	}

}
