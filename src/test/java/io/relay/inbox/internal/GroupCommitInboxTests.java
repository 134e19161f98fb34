package io.relay.inbox.internal;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.event.EventParser;
import io.relay.event.PayloadFormat;
import io.relay.inbox.InboxUnavailableException;
import io.relay.inbox.IncomingEvent;
import io.relay.inbox.Receipt;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The group commit's failure handling, on a real database: which deliveries of a batch get an error when one of
 * them cannot be stored.
 */
class GroupCommitInboxTests {

	private final ExecutorService requests = Executors.newFixedThreadPool(3);

	private final String run = UUID.randomUUID().toString();

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aDeliveryThatAColumnRefusesFailsAloneNotItsBatchMates(String database) throws Exception {
		DataSource dataSource = MigratedDatabase.of(database, "group_commit");
		// Holds the first batch, so that the next two deliveries queue up and are written together.
		HoldingRepository repository = new HoldingRepository(dataSource);
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		GroupCommitInbox inbox = inbox(repository, dataSource, Duration.ofSeconds(10), meters);
		inbox.start();
		try {
			Future<Receipt> first = this.requests.submit(() -> inbox.receive(event("first", "d-1")));
			assertThat(repository.writing.await(10, TimeUnit.SECONDS)).isTrue();
			// The controller cuts these headers to 255 characters; a longer one here stands for any value a database
			// refuses.
			Future<Receipt> refused = this.requests.submit(() -> inbox.receive(event("refused", "d".repeat(300))));
			Future<Receipt> mate = this.requests.submit(() -> inbox.receive(event("mate", "d-3")));
			await().until(() -> meters.get("relay.inbox.queue").gauge().value() == 2);
			repository.release.countDown();

			assertThat(first.get(10, TimeUnit.SECONDS).duplicate()).isFalse();
			assertThat(mate.get(10, TimeUnit.SECONDS).duplicate()).isFalse();
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> refused.get(10, TimeUnit.SECONDS))
				.withCauseInstanceOf(InboxUnavailableException.class);
			assertThat(repository.batches).as("the refused delivery and its mate were written in one batch first")
				.anySatisfy((batch) -> assertThat(batch).containsExactlyInAnyOrder(id("mate"), id("refused")));
			assertThat(storedIds(dataSource)).containsExactly(id("first"), id("mate"));
		}
		finally {
			repository.release.countDown();
			inbox.stop();
			this.requests.shutdownNow();
		}
	}

	@Test
	void aDatabaseGoneDuringTheOneAtATimeRedoFailsTheRestOfTheBatchAtOnce() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("group_commit_down");
		CountDownLatch writing = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		AtomicInteger singles = new AtomicInteger();
		InboxRepository repository = new InboxRepository(new JdbcTemplate(dataSource)) {

			private final AtomicInteger calls = new AtomicInteger();

			@Override
			boolean[] insertIfAbsent(List<IncomingEvent> events) {
				if (this.calls.incrementAndGet() == 1) {
					// Holds the first batch, so that the next three deliveries queue up and are written together.
					writing.countDown();
					awaitQuietly(release);
					return super.insertIfAbsent(events);
				}
				if (events.size() > 1) {
					throw new DataIntegrityViolationException("a value one of them has");
				}
				singles.incrementAndGet();
				throw new DataAccessResourceFailureException("the database is gone");
			}

		};
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		GroupCommitInbox inbox = inbox(repository, dataSource, Duration.ofSeconds(10), meters);
		inbox.start();
		ExecutorService requests = Executors.newFixedThreadPool(4);
		try {
			Future<Receipt> first = requests.submit(() -> inbox.receive(event("first", "d-1")));
			assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
			List<Future<Receipt>> batch = new ArrayList<>();
			for (String name : List.of("a", "b", "c")) {
				batch.add(requests.submit(() -> inbox.receive(event(name, "d-" + name))));
			}
			await().until(() -> meters.get("relay.inbox.queue").gauge().value() == 3);
			release.countDown();

			assertThat(first.get(10, TimeUnit.SECONDS).duplicate()).isFalse();
			for (Future<Receipt> refused : batch) {
				assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> refused.get(10, TimeUnit.SECONDS))
					.withCauseInstanceOf(InboxUnavailableException.class);
			}
			// Each would have waited for the connection timeout (5 s by default) in turn.
			assertThat(singles).as("deliveries written one at a time").hasValue(1);
		}
		finally {
			release.countDown();
			inbox.stop();
			requests.shutdownNow();
		}
	}

	@Test
	void eventsHeldUncommittedByAStalledInstanceFailAloneAndLeaveTheWriterFree() throws Exception {
		DataSource dataSource = MigratedDatabase.postgres("group_commit_stalled");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		// One writer; a batch waits at most 5 s (a quarter of the acknowledgement's 20 s) for a lock, which leaves the
		// test that long to queue up the next batch.
		GroupCommitInbox inbox = inbox(new InboxRepository(jdbc), dataSource, Duration.ofSeconds(20), meters);
		ExecutorService requests = Executors.newFixedThreadPool(6);
		List<String> held = List.of("held-1", "held-2", "held-3", "held-4");
		// Another instance inserted these events, then stalled (or died without its connection being closed) before
		// its commit: PostgreSQL keeps its transaction, and the rows' locks, open.
		try (Connection stalled = dataSource.getConnection()) {
			stalled.setAutoCommit(false);
			try (PreparedStatement insert = stalled.prepareStatement("insert into inbox_event (event_id, event_type, "
					+ "content_type, payload, received_at) values (?, 'user.created', 'application/json', ?, now())")) {
				for (String name : held) {
					insert.setString(1, id(name));
					insert.setBytes(2, "{}".getBytes(StandardCharsets.UTF_8));
					insert.executeUpdate();
				}
			}
			inbox.start();
			try {
				// iAdvize redelivers them to this instance: without a bound, the writer waited on the first for good,
				// and every later delivery was answered 503.
				List<Future<Receipt>> redelivered = new ArrayList<>();
				redelivered.add(requests.submit(() -> inbox.receive(event("held-1", "d-1"))));
				await().until(() -> jdbc.queryForObject(
						"select count(*) from pg_locks where not granted and locktype = 'transactionid'", Integer.class) == 1);
				// Meanwhile the other three, then another event, queue up and are written in one batch: the other
				// event is redone on its own after the three held ones, and still answered within the 20 s (about 11 s
				// in: two batch waits and four single ones; with a batch's wait for each single one, 30 s).
				for (String name : held.subList(1, held.size())) {
					redelivered.add(requests.submit(() -> inbox.receive(event(name, "d-" + name))));
				}
				await().until(() -> meters.get("relay.inbox.queue").gauge().value() == 3);
				Future<Receipt> other = requests.submit(() -> inbox.receive(event("other", "d-other")));

				assertThat(other.get(40, TimeUnit.SECONDS).duplicate()).isFalse();
				for (Future<Receipt> refused : redelivered) {
					assertThatExceptionOfType(ExecutionException.class)
						.isThrownBy(() -> refused.get(40, TimeUnit.SECONDS))
						.withCauseInstanceOf(InboxUnavailableException.class);
				}
			}
			finally {
				stalled.rollback();
			}
			assertThat(jdbc.queryForList("select event_id from inbox_event", String.class)).containsExactly(id("other"));
		}
		finally {
			inbox.stop();
			requests.shutdownNow();
		}
	}

	@Test
	void aDeliveryWhoseRequestGaveUpWaitingIsNotWrittenAfterwards() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("group_commit_gave_up");
		// Holds the first batch (a slow database), so that the next delivery waits in the queue.
		HoldingRepository repository = new HoldingRepository(dataSource);
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		GroupCommitInbox inbox = inbox(repository, dataSource, Duration.ofMillis(500), meters);
		inbox.start();
		try {
			Future<Receipt> taken = this.requests.submit(() -> inbox.receive(event("taken", "d-1")));
			assertThat(repository.writing.await(10, TimeUnit.SECONDS)).isTrue();
			Future<Receipt> queued = this.requests.submit(() -> inbox.receive(event("queued", "d-2")));
			await().until(() -> meters.get("relay.inbox.queue").gauge().value() == 1);

			// Both requests are answered 503 after the ack-timeout, while the first batch is still held.
			for (Future<Receipt> request : List.of(taken, queued)) {
				assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> request.get(10, TimeUnit.SECONDS))
					.withCauseInstanceOf(InboxUnavailableException.class);
			}
			repository.release.countDown();

			// The one a writer had taken already is stored (iAdvize's redelivery is then a duplicate); the one still
			// queued is left out: under overload it would only lengthen the queue for requests still waiting.
			// One writer: once a later delivery is answered, everything queued before it has been written or left out.
			Future<Receipt> next = this.requests.submit(() -> inbox.receive(event("next", "d-3")));
			assertThat(next.get(10, TimeUnit.SECONDS).duplicate()).isFalse();
			assertThat(repository.batches).containsExactly(List.of(id("taken")), List.of(id("next")));
			assertThat(meters.get("relay.inbox.queue").gauge().value()).isZero();
			assertThat(storedIds(dataSource)).containsExactly(id("next"), id("taken"));
		}
		finally {
			repository.release.countDown();
			inbox.stop();
			this.requests.shutdownNow();
		}
	}

	@Test
	void aDeliveryAfterTheInboxStoppedIsRefusedAtOnce() throws Exception {
		DataSource dataSource = MigratedDatabase.h2("group_commit_stopped");
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		GroupCommitInbox inbox = inbox(new InboxRepository(new JdbcTemplate(dataSource)), dataSource,
				Duration.ofSeconds(20), meters);
		inbox.start();
		assertThat(inbox.receive(event("before", "d-1")).duplicate()).isFalse();
		inbox.stop();
		try {
			// Not after the 20 s ack-timeout: no writer is left to take it.
			Future<Receipt> after = this.requests.submit(() -> inbox.receive(event("after", "d-2")));
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> after.get(5, TimeUnit.SECONDS))
				.havingCause()
				.isInstanceOf(InboxUnavailableException.class)
				.withMessageContaining("not running");
			assertThat(meters.get("relay.inbox.queue").gauge().value()).isZero();
			assertThat(storedIds(dataSource)).containsExactly(id("before"));
		}
		finally {
			this.requests.shutdownNow();
		}
	}

	private String id(String name) {
		return name + "-" + this.run;
	}

	private IncomingEvent event(String name, String deliveryId) throws Exception {
		byte[] body = ("{\"eventId\": \"" + id(name) + "\", \"eventType\": \"user.created\", \"userId\": 1}")
			.getBytes(StandardCharsets.UTF_8);
		return new IncomingEvent(new EventParser().parse(body, PayloadFormat.JSON, null, null), "application/json",
				body, deliveryId, null, Instant.now());
	}


	private static List<String> storedIds(DataSource dataSource) {
		return new JdbcTemplate(dataSource).queryForList("select event_id from inbox_event order by event_id",
				String.class);
	}

	/** One writer, batches of up to 256, a queue of 100. */
	private static GroupCommitInbox inbox(InboxRepository repository, DataSource dataSource, Duration ackTimeout,
			SimpleMeterRegistry meters) {
		return new GroupCommitInbox(repository, new TransactionTemplate(new DataSourceTransactionManager(dataSource)),
				(event) -> {
				}, new InboxProperties(256, 1, 100, ackTimeout), meters);
	}

	/** Records each batch's ids, and holds every batch until {@link #release} (a slow database). */
	private static final class HoldingRepository extends InboxRepository {

		final CountDownLatch writing = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		final List<List<String>> batches = new CopyOnWriteArrayList<>();

		HoldingRepository(DataSource dataSource) {
			super(new JdbcTemplate(dataSource));
		}

		@Override
		boolean[] insertIfAbsent(List<IncomingEvent> events) {
			this.batches.add(events.stream().map(IncomingEvent::eventId).toList());
			this.writing.countDown();
			awaitQuietly(this.release);
			return super.insertIfAbsent(events);
		}

	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(20, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
