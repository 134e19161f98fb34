package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import io.relay.support.MigratedDatabase;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The claimer and the completer outlive an {@link Error} (an {@link OutOfMemoryError} under a burst, a
 * {@link LinkageError}): a thread that ended on one would leave the instance up, healthy by every check, while it
 * claimed nothing more, or ran every delivery again after its lease until it was DEAD.
 */
class DispatcherErrorTests {

	/** What the next claim throws, if anything. */
	private final AtomicReference<@Nullable Throwable> claimFailure = new AtomicReference<>();

	private final AtomicBoolean failCompletion = new AtomicBoolean();

	@Test
	void theClaimerGoesOnAfterAnErrorInAClaim() {
		this.claimFailure.set(new OutOfMemoryError("Java heap space (thrown by the test)"));
		assertThat(runOneDelivery("claimer_error")).isEqualTo("SUCCEEDED 1");
		assertThat(this.claimFailure).as("the claim failed once").hasNullValue();
	}

	@Test
	void aClaimThatFailedIsTriedAgainSoonNotAtTheNextPoll() {
		// It had taken the wake-up it was claiming for: the next try waited for the poll (here an hour).
		this.claimFailure.set(new CannotGetJdbcConnectionException("no connection (thrown by the test)"));
		assertThat(runOneDelivery("claim_failed")).isEqualTo("SUCCEEDED 1");
		assertThat(this.claimFailure).as("the claim failed once").hasNullValue();
	}

	@Test
	void theCompleterGoesOnAfterAnErrorRecordingCompletions() {
		this.failCompletion.set(true);
		assertThat(runOneDelivery("completer_error")).isEqualTo("SUCCEEDED 1");
		assertThat(this.failCompletion).as("recording the completion failed once").isFalse();
	}

	private String runOneDelivery(String database) {
		DataSource dataSource = MigratedDatabase.h2(database);
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc) {

			@Override
			List<Claimed> claim(String instance, ClaimScope scope, Instant now, Instant leaseUntil, int limit) {
				Throwable failure = DispatcherErrorTests.this.claimFailure.getAndSet(null);
				if (failure instanceof Error error) {
					throw error;
				}
				if (failure instanceof RuntimeException exception) {
					throw exception;
				}
				return super.claim(instance, scope, now, leaseUntil, limit);
			}

			@Override
			void complete(List<Completion> completions, String instance) {
				if (DispatcherErrorTests.this.failCompletion.compareAndSet(true, false)) {
					throw new NoClassDefFoundError("thrown by the test");
				}
				super.complete(completions, instance);
			}

		};
		// Polling every hour: only the claimer's own wake-ups can run the delivery within the test.
		DispatchWiring wiring = DispatchWiring.of(dataSource, repository, Clock.systemUTC())
			.with(16, Duration.ofHours(1));
		String eventId = wiring.storeEventWithDelivery(jdbc);

		Dispatcher dispatcher = wiring.dispatcher(wiring.runner());
		dispatcher.start();
		try {
			// Within seconds: not after the poll (an hour) or the lease (5 minutes), nor never.
			await().atMost(Duration.ofSeconds(30))
				.until(() -> jdbc.queryForObject("select status from dispatch_delivery where event_id = ?",
						String.class, eventId), "SUCCEEDED"::equals);
			return jdbc.queryForObject("select status || ' ' || attempts from dispatch_delivery where event_id = ?",
					String.class, eventId);
		}
		finally {
			dispatcher.stop();
		}
	}

}
