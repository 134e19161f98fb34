package io.relay.dispatch.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import io.relay.support.MigratedDatabase;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.support.DefaultTransactionStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A claim whose commit went through in the database while its answer was lost (the connection broke after the
 * server committed): Spring reports a failure, and the claimer does not know the deliveries are leased to it.
 */
class DispatcherClaimTests {

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void deliveriesClaimedByACommitWhoseAnswerWasLostAreHandedBackAndRun(String database) {
		DataSource dataSource = MigratedDatabase.of(database, "claim_answer_lost");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		DeliveryRepository repository = new DeliveryRepository(jdbc);
		AnswerLost transactionManager = new AnswerLost(dataSource);
		DispatchWiring wiring = DispatchWiring.of(dataSource, repository, Clock.systemUTC(), transactionManager);
		String eventId = wiring.storeEventWithDelivery(jdbc);
		// The dispatcher's first commit is its claim of that delivery.
		transactionManager.loseTheNextAnswer();

		Dispatcher dispatcher = wiring.dispatcher(wiring.runner());
		dispatcher.start();
		try {
			// Within seconds, not after the lease (5 minutes); the lost claim is not counted as an attempt.
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(jdbc.queryForObject("select status || ' ' || attempts from "
						+ "dispatch_delivery where event_id = ?", String.class, eventId))
					.isEqualTo("SUCCEEDED 1"));
			assertThat(transactionManager.answersLost).as("the claim's answer was lost").hasValue(1);
			assertThat(jdbc.queryForObject("select count(*) from dispatch_attempt a join dispatch_delivery d on "
					+ "d.id = a.delivery_id where d.event_id = ?", Integer.class, eventId)).isOne();
		}
		finally {
			dispatcher.stop();
		}
	}

	/** Commits, then fails as if the database's answer had not arrived, once it is told to. */
	private static final class AnswerLost extends DataSourceTransactionManager {

		private final AtomicBoolean armed = new AtomicBoolean();

		final AtomicInteger answersLost = new AtomicInteger();

		AnswerLost(DataSource dataSource) {
			super(dataSource);
		}

		void loseTheNextAnswer() {
			this.armed.set(true);
		}

		@Override
		protected void doCommit(DefaultTransactionStatus status) {
			super.doCommit(status);
			if (this.armed.compareAndSet(true, false)) {
				this.answersLost.incrementAndGet();
				throw new TransactionSystemException("connection reset after the commit was sent");
			}
		}

	}

}
