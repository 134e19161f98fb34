package io.relay.workflow.csat;

import java.io.IOException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The announcements to open pages, with pages that read and one that stopped reading.
 */
class DashboardUpdatesTests {

	private static final String CHANGED = "event:changed\ndata:{\"reason\":\"recorded\"}\n\n";

	private final DashboardUpdates updates = new DashboardUpdates(
			new Answers(new JdbcTemplate(MigratedDatabase.h2("dashboard-updates"))), new SimpleAsyncTaskScheduler(),
			new CsatDashboardProperties(true, 5, 20, 30, ZoneOffset.UTC, Duration.ofSeconds(5)));

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

		// Once it reads again: the write it was stuck in, then one for the two that came meanwhile.
		stuck.readAgain();
		await().until(() -> stuck.changes().size() == 2);
		assertThat(stuck.changes()).containsOnly(CHANGED);
	}

	@Test
	void aPageWhoseStreamBrokeIsDroppedAndTheOthersStillHearOfChanges() {
		Recording broken = new Recording();
		Recording reading = new Recording();
		this.updates.subscribe(broken);
		this.updates.subscribe(reading);
		broken.breakStream();

		assertThat(this.updates.openPages()).isEqualTo(2);
		this.updates.changed();
		await().until(() -> reading.changes().size() == 1);
		await().until(() -> this.updates.openPages() == 1);
		this.updates.changed();
		await().until(() -> reading.changes().size() == 2);
		assertThat(broken.changes()).isEmpty();
	}

	/** A page's stream: what was sent to it after {@code ready}, and a page that can stop reading or go away. */
	private static final class Recording extends SseEmitter {

		private final List<String> changes = new CopyOnWriteArrayList<>();

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

		@Override
		public void send(SseEventBuilder builder) throws IOException {
			String text = builder.build().stream().map((data) -> data.getData().toString()).collect(Collectors.joining());
			if (text.contains("event:ready")) {
				return;
			}
			if (this.broken) {
				throw new IOException("Broken pipe");
			}
			try {
				this.reading.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IOException(ex);
			}
			this.changes.add(text);
		}

	}

}
