package io.relay.support;

import java.util.concurrent.Executor;

/**
 * Threads for tests that hold one task while others must run.
 */
public final class Threads {

	/**
	 * A daemon thread per task. Not the common pool: on a 2-core machine it may have a single thread, which a held
	 * task would keep from the others.
	 */
	public static final Executor THREAD_PER_TASK = (task) -> Thread.ofPlatform().daemon().start(task);

	private Threads() {
	}

}
