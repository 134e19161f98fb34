package io.relay.workflow.csat;

import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The announcements to open pages, with pages that read and one that stopped reading.
 */
class DashboardUpdatesTests {

	private static final String CHANGED = "event:changed\ndata:{\"reason\":\"recorded\"}\n\n";

	private final MeterRegistry registry = new SimpleMeterRegistry();

	private final DashboardUpdates updates = updatesOver(
			new Answers(new JdbcTemplate(MigratedDatabase.h2("dashboard-updates"))));

	@AfterEach
	void stop() {
		this.updates.stop();
	}

	@Test
	void aPageThatStoppedReadingHoldsOnlyItsOwnAnnouncements() {
		Recording stuck = new Recording();
		Recording reading = new Recording();
		Recording other = new Recording();
		this.updates.subscribe(stuck);
		this.updates.subscribe(reading);
		this.updates.subscribe(other);
		stuck.stopReading();

		for (int i = 1; i <= 3; i++) {
			this.updates.changed();
			int announced = i;
			await().until(() -> reading.changes().size() == announced && other.changes().size() == announced);
		}
		// Each page gets every announcement whole, built for it alone.
		assertThat(reading.changes()).containsOnly(CHANGED);
		assertThat(other.changes()).containsOnly(CHANGED);
		assertThat(stuck.changes()).isEmpty();

		// A heartbeat goes to the pages with nothing waiting; the stuck page has a 'changed' waiting, which does.
		this.updates.heartbeat();
		await().until(() -> reading.heartbeats() == 1 && other.heartbeats() == 1);

		// Once it reads again: the write it was stuck in, then one for the two that came meanwhile.
		stuck.readAgain();
		await().during(Duration.ofMillis(300)).until(() -> stuck.changes().size() == 2);
		assertThat(stuck.changes()).containsOnly(CHANGED);
		assertThat(stuck.heartbeats()).isZero();
	}

	@Test
	void shutdownEndsTheStreamsWithoutWaitingForAPageThatStoppedReading() throws Exception {
		Recording stuck = new Recording();
		Recording reading = new Recording();
		this.updates.subscribe(stuck);
		this.updates.subscribe(reading);
		stuck.stopReading();
		this.updates.changed();
		await().until(() -> reading.changes().size() == 1 && stuck.writeWaiting());

		try {
			CompletableFuture.runAsync(this.updates::stop).get(20, TimeUnit.SECONDS);
			assertThat(this.updates.openPages()).isZero();
			assertThat(reading.completed()).isTrue();
		}
		finally {
			stuck.readAgain();
		}
		// Its write is interrupted (the writers' threads are), then the stream ends.
		await().until(stuck::completed);
	}

	@Test
	void aPageWhoseStreamBrokeIsDroppedAndTheOthersStillHearOfChanges() {
		Recording broken = new Recording();
		Recording reading = new Recording();
		this.updates.subscribe(broken);
		this.updates.subscribe(reading);
		broken.breakStream();

		assertThat(this.updates.openPages()).isEqualTo(2);
		assertThat(this.registry.get("relay.dashboard.streams").gauge().value()).isEqualTo(2);
		this.updates.changed();
		await().until(() -> reading.changes().size() == 1);
		await().until(() -> this.updates.openPages() == 1);
		assertThat(this.registry.get("relay.dashboard.streams").gauge().value()).isEqualTo(1);
		this.updates.changed();
		await().until(() -> reading.changes().size() == 2);
		assertThat(broken.changes()).isEmpty();
	}

	@Test
	void pagesOpeningAtTheSameMomentDoNotGoPastTheLimit() throws Exception {
		int tries = DashboardUpdates.MAX_SUBSCRIBERS + 44;
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Boolean>> opened = new ArrayList<>();
		try (ExecutorService browsers = Executors.newVirtualThreadPerTaskExecutor()) {
			for (int i = 0; i < tries; i++) {
				opened.add(browsers.submit(() -> {
					start.await();
					return opens(new Recording());
				}));
			}
			start.countDown();
		}
		long open = 0;
		for (Future<Boolean> page : opened) {
			open += page.get() ? 1 : 0;
		}
		assertThat(open).isEqualTo(DashboardUpdates.MAX_SUBSCRIBERS);
		assertThat(this.updates.openPages()).isEqualTo(DashboardUpdates.MAX_SUBSCRIBERS);
	}

	@Test
	void aPageThatWentAwayFreesItsPlace() {
		Recording broken = new Recording();
		assertThat(opens(broken)).isTrue();
		for (int i = 1; i < DashboardUpdates.MAX_SUBSCRIBERS; i++) {
			assertThat(opens(new Recording())).isTrue();
		}
		assertThat(opens(new Recording())).as("one past the limit").isFalse();

		broken.breakStream();
		this.updates.changed();
		await().until(() -> this.updates.openPages() == DashboardUpdates.MAX_SUBSCRIBERS - 1);
		// Its place, and one only.
		assertThat(opens(new Recording())).isTrue();
		assertThat(opens(new Recording())).isFalse();

		// A stop ends them all, and a start takes as many again.
		this.updates.stop();
		assertThat(this.updates.openPages()).isZero();
		this.updates.start();
		for (int i = 0; i < DashboardUpdates.MAX_SUBSCRIBERS; i++) {
			assertThat(opens(new Recording())).isTrue();
		}
		assertThat(opens(new Recording())).isFalse();
	}

	/** Whether the page's stream opened; a 503 problem when it did not. */
	private boolean opens(Recording page) {
		try {
			this.updates.subscribe(page);
			return true;
		}
		catch (ErrorResponseException ex) {
			assertThat(ex.getStatusCode().value()).isEqualTo(503);
			assertThat(ex.getBody().getDetail()).contains("at most " + DashboardUpdates.MAX_SUBSCRIBERS);
			return false;
		}
	}

	@Test
	void aRecordingThatJoinsAnAnnouncementOfThePollIsAnnouncedAsRecorded() throws Exception {
		HeldAnswers answers = new HeldAnswers();
		DashboardUpdates updates = updatesOver(answers);
		try {
			Recording page = new Recording();
			updates.subscribe(page);
			// The announcer is busy with a first announcement...
			updates.changed();
			assertThat(answers.entered.await(10, TimeUnit.SECONDS)).isTrue();
			// ...when the poll finds an answer (this instance's, between its commit and its announcement), and then
			// this instance announces it: it joins the poll's, waiting.
			answers.change.incrementAndGet();
			updates.pollOtherInstances();
			updates.changed();
			answers.release.countDown();

			// Both announcements go out (the page may get them as one: the later replaces one not sent yet), and
			// what it gets last is the recording's, not the poll's.
			await().during(Duration.ofMillis(500))
				.atMost(Duration.ofSeconds(10))
				.until(() -> !page.changes().isEmpty() && page.changes().stream().allMatch(CHANGED::equals));
		}
		finally {
			answers.release.countDown();
			updates.stop();
		}
	}

	@Test
	void aPollsAnnouncementDoesNotReplaceARecordingWaitingForAPage() {
		CountingAnswers answers = new CountingAnswers();
		DashboardUpdates updates = updatesOver(answers);
		try {
			Recording page = new Recording();
			updates.subscribe(page);
			page.stopReading();
			// A first announcement, whose write waits for the page; then this instance's recording, waiting behind it.
			updates.changed();
			await().until(page::writeWaiting);
			updates.changed();
			// The poll finds that same recording (the announcer had not yet noted it) and announces it too.
			answers.change.incrementAndGet();
			updates.pollOtherInstances();
			await().during(Duration.ofMillis(200)).until(() -> true);

			page.readAgain();
			await().atMost(Duration.ofSeconds(10)).until(() -> page.changes().size() == 2);
			assertThat(page.changes()).containsOnly(CHANGED);
		}
		finally {
			updates.stop();
		}
	}

	private DashboardUpdates updatesOver(Answers answers) {
		return new DashboardUpdates(answers, new SimpleAsyncTaskScheduler(),
				new CsatDashboardProperties(true, 5, 20, 30, ZoneOffset.UTC, Duration.ofSeconds(5)), this.registry);
	}

	/** Answers whose last change is {@link #change}. */
	private static class CountingAnswers extends Answers {

		final AtomicInteger change = new AtomicInteger();

		CountingAnswers(String database) {
			super(new JdbcTemplate(MigratedDatabase.h2(database)));
		}

		CountingAnswers() {
			this("dashboard-updates-counting");
		}

		@Override
		String lastChange() {
			return String.valueOf(this.change.get());
		}

	}

	/** Answers whose first look for a change on the announcer's thread waits for {@link #release}. */
	private static final class HeldAnswers extends CountingAnswers {

		final CountDownLatch entered = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		HeldAnswers() {
			super("dashboard-updates-held");
		}

		@Override
		String lastChange() {
			if (Thread.currentThread().getName().equals("csat-dashboard-updates") && this.entered.getCount() > 0) {
				this.entered.countDown();
				try {
					this.release.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			return super.lastChange();
		}

	}

	/** A page's stream: what was sent to it after {@code ready}, and a page that can stop reading or go away. */
	private static final class Recording extends SseEmitter {

		private final List<String> changes = new CopyOnWriteArrayList<>();

		private final AtomicInteger heartbeats = new AtomicInteger();

		private volatile boolean completed;

		private final ReentrantLock lock = new ReentrantLock();

		/** Whether a write is under way and waits for the page to read. */
		private volatile boolean waiting;

		private volatile CountDownLatch reading = new CountDownLatch(0);

		private volatile boolean broken;

		void stopReading() {
			this.reading = new CountDownLatch(1);
		}

		void readAgain() {
			this.reading.countDown();
		}

		void breakStream() {
			this.broken = true;
		}

		List<String> changes() {
			return this.changes;
		}

		int heartbeats() {
			return this.heartbeats.get();
		}

		boolean writeWaiting() {
			return this.waiting;
		}

		boolean completed() {
			return this.completed;
		}

		@Override
		public void complete() {
			// As Spring's emitter does: completing waits for a send under way.
			this.lock.lock();
			try {
				super.complete();
				this.completed = true;
			}
			finally {
				this.lock.unlock();
			}
		}

		@Override
		public void send(SseEventBuilder builder) throws IOException {
			String text = builder.build().stream().map((data) -> data.getData().toString()).collect(Collectors.joining());
			if (text.contains("event:ready")) {
				return;
			}
			if (this.broken) {
				throw new IOException("Broken pipe");
			}
			this.lock.lock();
			try {
				this.waiting = true;
				this.reading.await();
				this.waiting = false;
				if (text.startsWith(":heartbeat")) {
					this.heartbeats.incrementAndGet();
				}
				else {
					this.changes.add(text);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException(ex);
			}
			finally {
				this.lock.unlock();
			}
		}

	}

}
