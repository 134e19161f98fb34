package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.relay.dispatch.DeliveryStatus;
import io.relay.dispatch.Replayed;
import io.relay.dispatch.Replays;
import io.relay.system.LogText;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Replays.
 */
@Service
class DispatchService implements Replays {

	private static final Logger logger = LoggerFactory.getLogger(DispatchService.class);

	/** How many deliveries a bulk replay sets back in one transaction, under their conversations' locks. */
	static final int LOCKED_REPLAY_BATCH = 32;

	private final DeliveryRepository repository;

	private final Dispatcher dispatcher;

	private final Clock clock;

	private final TransactionTemplate transactions;

	private final HandlerRegistry handlers;

	private final OrderingLocks locks;

	private final InstancePresence presence;

	DispatchService(DeliveryRepository repository, Dispatcher dispatcher, Clock clock, TransactionTemplate transactions,
			HandlerRegistry handlers, OrderingLocks locks, InstancePresence presence) {
		this.handlers = handlers;
		this.locks = locks;
		this.presence = presence;
		this.repository = repository;
		this.dispatcher = dispatcher;
		this.clock = clock;
		this.transactions = transactions;
	}

	@Override
	public Replayed replayEvent(String eventId, @Nullable String handler) {
		// The heartbeats only for a replay of every handler: one naming a handler was checked before (isDisabled).
		InstancePresence.@Nullable Others others = (handler != null) ? null : this.presence.othersNow();
		Set<String> only = (others != null) ? runnable(others) : null;
		Map<String, Integer> leftAlone = new TreeMap<>();
		int replayed = underOrderingLocks(() -> this.repository.replayableOrderingLocks(eventId, handler), () -> {
			// Read in the replay's transaction, before it: what it leaves alone is what it could have replayed.
			if (only != null) {
				this.repository.replayableByHandler(eventId).forEach((name, deliveries) -> {
					if (!only.contains(name)) {
						leftAlone.put(name, deliveries);
					}
				});
			}
			return this.repository.replayEvent(eventId, handler, only, this.clock.instant());
		});
		logger.info("Replaying {} deliveries of event {}{}", replayed, eventId,
				(handler != null) ? " to '" + handler + "'" : "");
		this.dispatcher.wake();
		return replayed(replayed, leftAlone, others);
	}

	@Override
	public int dismissEvent(String eventId, @Nullable String handler, String by) {
		Instant now = this.clock.instant();
		int dismissed = this.repository.dismissDead(eventId, handler, dismissal(by, now), now);
		logger.info("{} dismissed {} dead deliveries of event {}{}", LogText.printable(by), dismissed, eventId,
				(handler != null) ? " to '" + handler + "'" : "");
		return dismissed;
	}

	@Override
	public int dismissAll(@Nullable String handler, String by) {
		Instant now = this.clock.instant();
		String reason = dismissal(by, now);
		// Those dead when it starts, a batch at a time as a replay of them walks them (see replayAll): one that dies
		// during the walk was not seen by whoever asked.
		long upTo = this.repository.lastDeliveryId();
		int dismissed = 0;
		long after = 0;
		List<Long> read;
		do {
			read = this.repository.dead(handler, after, upTo, now);
			if (!read.isEmpty()) {
				dismissed += this.repository.dismissDead(read, reason, now);
				after = read.getLast();
			}
		}
		while (read.size() == DeliveryRepository.REPLAY_BATCH);
		logger.info("{} dismissed {} dead deliveries{}", LogText.printable(by), dismissed,
				(handler != null) ? " to '" + handler + "'" : "");
		return dismissed;
	}

	private static String dismissal(String by, Instant now) {
		return "dismissed by " + LogText.printable(by) + " at " + now + "; it was dead: ";
	}

	@Override
	public Replayed replayAll(DeliveryStatus status, @Nullable String handler) {
		if (status == DeliveryStatus.RUNNING) {
			throw new IllegalArgumentException("running deliveries cannot be replayed");
		}
		// The heartbeats only for a replay of every handler: one naming a handler was checked before (isDisabled).
		InstancePresence.@Nullable Others others = (handler != null) ? null : this.presence.othersNow();
		Set<String> only = (others != null) ? runnable(others) : null;
		int replayed = 0;
		Map<String, Integer> leftAlone = new TreeMap<>();
		long after = 0;
		// Those in this status now: a delivery made during a long replay, or one that was waiting or running, and
		// reaches this status before the walk gets to it, was not asked for (a CRM would get a lead again). The
		// last id bounds the walk; the time of the last change leaves out those that changed since.
		long upTo = this.repository.lastDeliveryId();
		Instant asOf = this.clock.instant();
		List<DeliveryRepository.Replayable> read;
		// A batch at a time, in order of id: one statement over a month of succeeded deliveries would hold millions
		// of row locks in one transaction (the claim and the completions would wait behind it). Walking the ids
		// forward, a delivery replayed by one batch, run and finished again before the next batch, is not replayed
		// twice.
		do {
			read = this.repository.replayable(status, handler, after, upTo, asOf);
			List<DeliveryRepository.Replayable> replayable = new ArrayList<>();
			for (DeliveryRepository.Replayable delivery : read) {
				if (only == null || only.contains(delivery.handler())) {
					replayable.add(delivery);
				}
				else {
					leftAlone.merge(delivery.handler(), 1, Integer::sum);
				}
			}
			// Each transaction locks the conversations of a few deliveries only: a thousand would take nearly every
			// stripe of OrderingLocks, and hold up every inbox transaction that plans an ordered delivery meanwhile.
			for (int from = 0; from < replayable.size(); from += LOCKED_REPLAY_BATCH) {
				List<DeliveryRepository.Replayable> batch = replayable.subList(from,
						Math.min(replayable.size(), from + LOCKED_REPLAY_BATCH));
				replayed += underOrderingLocks(
						() -> batch.stream()
							.map(DeliveryRepository.Replayable::orderingLock)
							.filter(Objects::nonNull)
							.distinct()
							.toList(),
						() -> this.repository.replay(batch.stream().map(DeliveryRepository.Replayable::id).toList(),
								status, this.clock.instant()));
				// After each batch, not only at the end: a claim during it skipped the due work of the conversations
				// it held locked (SKIP LOCKED), and nothing else might wake the claimer before the poll.
				this.dispatcher.wake();
			}
			if (!read.isEmpty()) {
				after = read.getLast().id();
			}
		}
		while (read.size() == DeliveryRepository.REPLAY_BATCH);
		logger.info("Replaying {} {} deliveries{}", replayed, status, (handler != null) ? " to '" + handler + "'" : "");
		return replayed(replayed, leftAlone, others);
	}

	/** The result, with why each handler's deliveries were left alone, from the heartbeats the replay went by. */
	private Replayed replayed(int count, Map<String, Integer> leftAlone, InstancePresence.@Nullable Others others) {
		if (others == null) {
			return new Replayed(count, List.of());
		}
		List<Replayed.LeftAlone> left = new ArrayList<>();
		leftAlone.forEach((handler, deliveries) -> left.add(new Replayed.LeftAlone(handler, deliveries,
				isDisabled(handler, others) ? Replayed.Reason.DISABLED : Replayed.Reason.NOT_RUNNING)));
		if (!left.isEmpty()) {
			logger.info("Left alone by the replay, their handlers not runnable now: {}", left);
		}
		return new Replayed(count, left);
	}

	/**
	 * Replays under the ordering locks of the deliveries replayed, as the planner plans under them: otherwise a
	 * delivery replayed while a later one of its conversation is being planned (which, not seeing it unfinished
	 * yet, starts at once) would run beside that later one. And with their conversations' unfinished deliveries
	 * locked, so that one being claimed at that moment is seen running (see
	 * {@link DeliveryRepository#lockUnfinished}).
	 */
	private int underOrderingLocks(Supplier<List<String>> keys, IntSupplier replay) {
		List<ReentrantLock> held = new ArrayList<>();
		try {
			Integer replayed = this.transactions.execute((status) -> {
				List<String> locked = keys.get();
				this.locks.lock(locked, held);
				this.repository.lockUnfinished(locked);
				return replay.getAsInt();
			});
			return (replayed != null) ? replayed : 0;
		}
		finally {
			OrderingLocks.unlock(held);
		}
	}

	/**
	 * The handlers whose deliveries a replay of every handler sets back: those enabled here, and those other
	 * running instances have, but those any running instance has disabled. Another one's would end {@code SKIPPED}
	 * (their outcome so far lost) rather than run: on an instance that has it disabled at once, one no running
	 * instance has after {@code relay.dispatch.unknown-handler-grace}. A replay that names one is refused before
	 * ({@link #isDisabled}, {@link #isRunning}).
	 */
	private Set<String> runnable(InstancePresence.Others others) {
		Set<String> runnable = new HashSet<>(this.handlers.enabled());
		runnable.addAll(others.running());
		runnable.removeAll(others.disabled());
		return runnable;
	}

	@Override
	public boolean isDisabled(String handler) {
		return isDisabled(handler, this.presence.othersNow());
	}

	private boolean isDisabled(String handler, InstancePresence.Others others) {
		HandlerRegistry.Registered registered = this.handlers.get(handler);
		return (registered != null && !registered.settings().enabled()) || others.disabled().contains(handler);
	}

	@Override
	public boolean isRunning(String handler) {
		return this.handlers.get(handler) != null || this.presence.othersHandlersNow().contains(handler);
	}

	@Override
	public boolean knowsHandler(String handler) {
		return this.handlers.get(handler) != null || this.repository.hasDeliveries(handler);
	}

}
