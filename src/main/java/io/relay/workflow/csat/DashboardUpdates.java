package io.relay.workflow.csat;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The open pages' server-sent event streams. Each gets a {@code ready} event when it connects and a
 * {@code changed} event whenever figures may have changed, upon which the page asks for the summary again: one
 * small event for every page, whatever range it shows.
 * <p>
 * Answers recorded by this instance are announced at once (several at a time coalesce into one event). Answers
 * recorded by other instances sharing the database are found by a cheap poll of the tables' latest change every
 * {@code poll-interval}, only while a page is open.
 */
@Component
@ConditionalOnCsatDashboard
class DashboardUpdates implements SmartLifecycle {

	private static final Logger logger = LoggerFactory.getLogger(DashboardUpdates.class);

	/** The most pages open at once on one instance; past that, 503. */
	static final int MAX_SUBSCRIBERS = 256;

	/** A stream ends after this; the browser's EventSource reconnects by itself. */
	private static final Duration STREAM_TIMEOUT = Duration.ofMinutes(30);

	/**
	 * Keeps proxies from closing idle streams, and finds closed ones: well under the read timeouts proxies are given
	 * (docs/operations.md's nginx example has 15 s for the webhook; most load balancers close at 60 s).
	 */
	private static final Duration HEARTBEAT = Duration.ofSeconds(10);

	/** Tells the browser how soon to reconnect after a lost stream. */
	private static final long RECONNECT_MILLIS = 1000;

	private final Set<Page> pages = ConcurrentHashMap.newKeySet();

	/** One per page that may open; a page gives its own back once, whichever way it goes away. */
	private final Semaphore slots = new Semaphore(MAX_SUBSCRIBERS);

	/** The reason of the announcement waiting to be sent, if one is. */
	private final AtomicReference<@Nullable Reason> pending = new AtomicReference<>();

	private final Answers answers;

	private final TaskScheduler scheduler;

	private final Duration pollInterval;

	/** Reads what changed and tells the pages, one announcement at a time, off the handler's thread. */
	private volatile ExecutorService announcer = newAnnouncer();

	/**
	 * Writes to the pages, each on its own (virtual) thread: a page that stopped reading holds only its own events
	 * (once the connection's buffers are full, a write waits up to Tomcat's connection timeout, 60 s by default).
	 */
	private volatile ExecutorService writers = newWriters();

	private @Nullable ScheduledFuture<?> heartbeat;

	private @Nullable ScheduledFuture<?> poll;

	private volatile @Nullable String lastChange;

	/** Whether the heartbeat and the poll are scheduled (the lifecycle). */
	private volatile boolean running;

	/** Pages may subscribe from the moment the web server takes requests until shutdown begins. */
	private volatile boolean accepting = true;

	DashboardUpdates(Answers answers, TaskScheduler scheduler, CsatDashboardProperties properties,
			MeterRegistry registry) {
		this.answers = answers;
		this.scheduler = scheduler;
		this.pollInterval = properties.pollInterval();
		Gauge.builder("relay.dashboard.streams", this.pages, Set::size)
			.description("Live dashboard pages with a stream open on this instance (new ones get 503 at "
					+ MAX_SUBSCRIBERS + ")")
			.register(registry);
	}

	/** A new stream for one page. */
	SseEmitter subscribe() {
		return subscribe(new SseEmitter(STREAM_TIMEOUT.toMillis()));
	}

	/** This stream for one page (tests give their own, to see what is written to it). */
	SseEmitter subscribe(SseEmitter emitter) {
		if (!this.accepting) {
			throw unavailable("Relay is shutting down");
		}
		// A slot is taken before anything else: pages that open at the same moment cannot all pass a count of the
		// open ones and go past the limit together.
		if (!this.slots.tryAcquire()) {
			throw unavailable("Too many live dashboards are open on this instance (at most " + MAX_SUBSCRIBERS + ")");
		}
		Page page = new Page(emitter);
		emitter.onCompletion(page::drop);
		emitter.onTimeout(() -> {
			page.drop();
			emitter.complete();
		});
		emitter.onError((ex) -> page.drop());
		if (this.pages.isEmpty()) {
			// The poll's starting point: what this page loads after 'ready' includes everything up to now.
			this.lastChange = lastChange();
		}
		try {
			// Sent before the handler returns: Spring MVC writes it as soon as the stream opens.
			emitter.send(SseEmitter.event().name("ready").data("ready").reconnectTime(RECONNECT_MILLIS));
		}
		catch (IOException | RuntimeException ex) {
			page.drop();
			throw (ex instanceof RuntimeException runtime) ? runtime : new IllegalStateException(ex);
		}
		this.pages.add(page);
		if (!this.accepting) {
			// The stop came while this page opened, and ended the streams it saw: this one too.
			page.drop();
			emitter.complete();
		}
		return emitter;
	}

	private static ErrorResponseException unavailable(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, detail);
		return new ErrorResponseException(HttpStatus.SERVICE_UNAVAILABLE, problem, null);
	}

	/** Figures may have changed (this instance recorded something): tell every open page, soon, without blocking. */
	void changed() {
		changed(Reason.RECORDED);
	}

	private void changed(Reason reason) {
		if (!anyOpen()) {
			return;
		}
		// Joins an announcement waiting to be sent; one of this instance's recordings says so even when it joins
		// one the poll made (which may have found the same answer, between its commit and this call).
		Reason waiting = this.pending.getAndAccumulate(reason,
				(before, next) -> (before == Reason.RECORDED) ? before : next);
		if (waiting != null) {
			return;
		}
		boolean sent = run(this.announcer, () -> {
			Reason announced = Objects.requireNonNull(this.pending.getAndSet(null));
			// Read before telling: what the pages load next includes everything up to this point, so the poll
			// need not announce it again, and misses nothing that comes after.
			String change = lastChange();
			this.pages.forEach((page) -> page.tell(announced));
			if (change != null) {
				this.lastChange = change;
			}
		});
		if (!sent) {
			this.pending.set(null);
		}
	}

	/** Whether any page has a stream open on this instance. */
	boolean anyOpen() {
		return !this.pages.isEmpty();
	}

	/** How many pages have a stream open on this instance (for tests: a page that went away is dropped). */
	int openPages() {
		return this.pages.size();
	}

	/** Runs {@code task} on {@code executor}; {@code false} when shutting down (the streams are closed already). */
	private static boolean run(ExecutorService executor, Runnable task) {
		try {
			executor.execute(task);
			return true;
		}
		catch (RejectedExecutionException ex) {
			return false;
		}
	}

	void heartbeat() {
		this.pages.forEach(Page::keepAlive);
	}

	void pollOtherInstances() {
		if (this.pages.isEmpty()) {
			return;
		}
		String change = lastChange();
		if (change != null && !change.equals(this.lastChange)) {
			this.lastChange = change;
			changed(Reason.DATABASE);
		}
	}

	private @Nullable String lastChange() {
		try {
			return this.answers.lastChange();
		}
		catch (RuntimeException ex) {
			logger.debug("Could not look for new answers", ex);
			return null;
		}
	}

	/**
	 * One page's stream and what is waiting to go to it. At most one sender writes to a page at a time; what comes
	 * meanwhile waits, and only the latest waits: a {@code changed} makes the page load the figures again, so one
	 * after the write in progress tells it all that the ones before it would have, and a heartbeat is needed only
	 * when nothing else is waiting. Events are built for each page: a built event is not to be sent twice (Spring's
	 * builder adds to itself when it builds).
	 */
	private final class Page {

		private static final Supplier<SseEmitter.SseEventBuilder> HEARTBEAT = () -> SseEmitter.event()
			.comment("heartbeat");

		private final SseEmitter emitter;

		private final AtomicReference<@Nullable Supplier<SseEmitter.SseEventBuilder>> waiting = new AtomicReference<>();

		private final AtomicBoolean writing = new AtomicBoolean();

		private final AtomicBoolean dropped = new AtomicBoolean();

		Page(SseEmitter emitter) {
			this.emitter = emitter;
		}

		/** No longer told anything; its slot is free again (once, however many ways say it went away). */
		void drop() {
			DashboardUpdates.this.pages.remove(this);
			if (this.dropped.compareAndSet(false, true)) {
				DashboardUpdates.this.slots.release();
			}
		}

		void tell(Reason reason) {
			// Replaces what waits to be written (the page reloads once for both), but a poll's announcement does not
			// replace one of this instance's recordings: it found the same change, before the recording was told.
			this.waiting.accumulateAndGet(reason.announcement,
					(before, next) -> (before == Reason.RECORDED.announcement) ? before : next);
			write();
		}

		void keepAlive() {
			this.waiting.compareAndSet(null, HEARTBEAT);
			write();
		}

		private void write() {
			if (this.writing.compareAndSet(false, true) && !run(DashboardUpdates.this.writers, this::drain)) {
				this.writing.set(false);
			}
		}

		private void drain() {
			try {
				Supplier<SseEmitter.SseEventBuilder> event;
				while ((event = this.waiting.getAndSet(null)) != null) {
					this.emitter.send(event.get());
				}
			}
			catch (IOException | RuntimeException ex) {
				// The page went away (the container completes the emitter), or its stream broke otherwise: drop it,
				// still "writing", so that nothing starts another write to it.
				logger.debug("Dropped a dashboard stream", ex);
				drop();
				return;
			}
			this.writing.set(false);
			// Something may have come between the last look and the end of this write: it would wait for the next.
			if (this.waiting.get() != null) {
				write();
			}
		}

		/** Ends the stream; on a thread of its own when a write to it is under way, which may wait long. */
		void end() {
			if (this.writing.get()) {
				Thread.ofVirtual().name("csat-dashboard-end").start(this.emitter::complete);
			}
			else {
				this.emitter.complete();
			}
		}

	}

	/** Why a {@code changed} event was sent (its data; the page does not need it). */
	private enum Reason {

		/** This instance recorded an answer or a conversation. */
		RECORDED("{\"reason\":\"recorded\"}"),

		/** The poll found something recorded elsewhere (another instance). */
		DATABASE("{\"reason\":\"database\"}");

		private final String data;

		/** The event to write, one instance per reason, so that a page can tell which one is waiting. */
		private final Supplier<SseEmitter.SseEventBuilder> announcement = this::event;

		Reason(String data) {
			this.data = data;
		}

		SseEmitter.SseEventBuilder event() {
			return SseEmitter.event().name("changed").data(this.data, MediaType.APPLICATION_JSON);
		}

	}

	/**
	 * Schedules the heartbeat and the poll. Streams are accepted before this (the web server starts earlier in the
	 * lifecycle); they just have no heartbeat yet.
	 */
	@Override
	public void start() {
		if (this.announcer.isShutdown()) {
			this.announcer = newAnnouncer();
			this.writers = newWriters();
		}
		this.accepting = true;
		this.heartbeat = this.scheduler.scheduleWithFixedDelay(this::heartbeat, HEARTBEAT);
		this.poll = this.scheduler.scheduleWithFixedDelay(this::pollOtherInstances, this.pollInterval);
		this.running = true;
	}

	/**
	 * Ends every stream first, so that a graceful shutdown does not wait for open pages, nor for one that stopped
	 * reading.
	 */
	@Override
	public void stop() {
		this.accepting = false;
		this.running = false;
		cancel(this.heartbeat);
		cancel(this.poll);
		for (Page page : this.pages) {
			page.end();
			page.drop();
		}
		this.announcer.shutdownNow();
		this.writers.shutdownNow();
	}

	private static ExecutorService newAnnouncer() {
		return Executors.newSingleThreadExecutor(Thread.ofVirtual().name("csat-dashboard-updates").factory());
	}

	private static ExecutorService newWriters() {
		return Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("csat-dashboard-writer-", 0).factory());
	}

	private static void cancel(@Nullable ScheduledFuture<?> future) {
		if (future != null) {
			future.cancel(false);
		}
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

}
