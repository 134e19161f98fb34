package io.relay.dispatch;

import java.util.List;
import java.util.Objects;

/**
 * What a replay did: how many deliveries it set back, and, for a replay of every handler, the deliveries it left
 * alone because no instance can run their handler now (a replay that names such a handler is refused instead).
 * Without them, a replay answering 0 would not say why.
 *
 * @param count the deliveries set back to {@code PENDING}
 * @param leftAlone per handler, the deliveries the replay would have set back had their handler been runnable
 */
public record Replayed(int count, List<LeftAlone> leftAlone) {

	public Replayed {
		leftAlone = List.copyOf(leftAlone);
	}

	/** Deliveries of one handler that a replay of every handler left as they were. */
	public record LeftAlone(String handler, int deliveries, Reason reason) {

		public LeftAlone {
			Objects.requireNonNull(handler, "handler");
			Objects.requireNonNull(reason, "reason");
		}

	}

	/** Why a handler's deliveries were left alone. */
	public enum Reason {

		/**
		 * Disabled ({@code relay.dispatch.handlers.<name>.enabled=false}) here or on another running instance: a
		 * delivery claimed there would end {@code SKIPPED} without running.
		 */
		DISABLED,

		/**
		 * No running instance has it (a workflow switched off, or not deployed yet): it would end {@code SKIPPED}
		 * after {@code relay.dispatch.unknown-handler-grace}.
		 */
		NOT_RUNNING

	}

}
