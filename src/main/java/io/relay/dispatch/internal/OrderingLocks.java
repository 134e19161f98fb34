package io.relay.dispatch.internal;

import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;

import org.springframework.stereotype.Component;

/**
 * The locks that keep the deliveries of one conversation to one handler in order while deliveries are planned or
 * replayed: whoever holds a key's lock sees every delivery of that key that was planned or replayed before it, so
 * that a new delivery is never started while an earlier one of its conversation is being replayed, nor an earlier
 * one replayed while a new one is being started.
 * <p>
 * A stripe per key in this JVM (H2 serves one instance) and, on PostgreSQL, an advisory lock per key for the
 * instances that share it, each ending with the transaction. Taken in a fixed order, stripes then advisory locks,
 * each lowest first, so two holders can wait for each other but never deadlock. Call {@link #lock} inside the
 * transaction, and release the stripes it adds to {@code held} after that transaction ends.
 */
@Component
class OrderingLocks {

	private static final int STRIPES = 256;

	private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];

	private final DeliveryRepository repository;

	OrderingLocks(DeliveryRepository repository) {
		this.repository = repository;
		for (int i = 0; i < STRIPES; i++) {
			this.stripes[i] = new ReentrantLock();
		}
	}

	/**
	 * Locks the keys ({@link DeliveryRepository#orderingLock}) in the current transaction.
	 * @param held where the stripes taken are added, to be released with {@link #unlock} after the transaction
	 */
	void lock(Collection<String> keys, List<ReentrantLock> held) {
		if (keys.isEmpty()) {
			return;
		}
		TreeSet<Integer> taken = new TreeSet<>();
		keys.forEach((key) -> taken.add(Math.floorMod(key.hashCode(), STRIPES)));
		for (int stripe : taken) {
			this.stripes[stripe].lock();
			held.add(this.stripes[stripe]);
		}
		this.repository.lockOrderingKeys(List.copyOf(keys));
	}

	static void unlock(List<ReentrantLock> held) {
		held.forEach(ReentrantLock::unlock);
	}

}
