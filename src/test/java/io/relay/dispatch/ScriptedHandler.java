package io.relay.dispatch;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import io.relay.event.IAdvizeEvent;

/**
 * A handler whose answers a test scripts per event: each run takes the next answer for its event (success once the
 * script is used up), and every run is recorded.
 */
class ScriptedHandler implements EventHandler<IAdvizeEvent> {

	private final Map<String, Queue<Supplier<HandlerResult>>> scripts = new ConcurrentHashMap<>();

	private final Map<String, Runnable> filters = new ConcurrentHashMap<>();

	final List<Run> runs = new CopyOnWriteArrayList<>();

	@SafeVarargs
	final void script(String eventId, Supplier<HandlerResult>... answers) {
		this.scripts.put(eventId, new ConcurrentLinkedQueue<>(List.of(answers)));
	}

	/** Runs {@code filter} when the handler's {@link #accepts} is asked about the event (to make it throw). */
	void filter(String eventId, Runnable filter) {
		this.filters.put(eventId, filter);
	}

	@Override
	public boolean accepts(IAdvizeEvent event) {
		Runnable filter = this.filters.get(event.eventId());
		if (filter != null) {
			filter.run();
		}
		return true;
	}

	@Override
	public String name() {
		return "scripted";
	}

	@Override
	public Class<IAdvizeEvent> eventType() {
		return IAdvizeEvent.class;
	}

	@Override
	public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
		Instant started = Instant.now();
		Queue<Supplier<HandlerResult>> script = this.scripts.get(delivery.event().eventId());
		Supplier<HandlerResult> answer = (script != null) ? script.poll() : null;
		try {
			return (answer != null) ? answer.get() : HandlerResult.success();
		}
		finally {
			this.runs.add(new Run(delivery.event().eventId(), delivery.event().eventType(), delivery.attempt(),
					delivery.idempotencyKey(), started, Instant.now(), delivery.event()));
		}
	}

	List<Run> runsOf(String eventId) {
		return this.runs.stream().filter((run) -> run.eventId().equals(eventId)).toList();
	}

	record Run(String eventId, String eventType, int attempt, String idempotencyKey, Instant started,
			Instant finished, IAdvizeEvent event) {
	}

}
