package io.relay.dispatch.internal;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import com.zaxxer.hikari.HikariDataSource;
import io.relay.support.FreezableProxy;
import io.relay.support.LogRecorder;
import io.relay.support.MigratedDatabase;
import io.relay.support.TestPostgres;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionCallback;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A heartbeat against a PostgreSQL host that vanished mid-conversation ends with an error, through the connection
 * pool the application uses (HikariCP), instead of waiting for an answer that never comes: the statement's timeout
 * alone cannot end it (PostgreSQL's driver cancels through a new connection, which cannot reach the host either).
 * A hung heartbeat would stop the next ones, and this instance would look gone to the others while it still runs.
 */
class HeartbeatSocketTimeoutTests {

	private static final Pattern PORT = Pattern.compile("//([^:/]+):(\\d+)/");

	private FreezableProxy proxy;

	private HikariDataSource pool;

	private JdbcTemplate direct;

	@BeforeEach
	void connectThroughAProxy() {
		String url = TestPostgres.newDatabase("heartbeat_socket");
		this.direct = new JdbcTemplate(MigratedDatabase
			.migrated(new DriverManagerDataSource(url, TestPostgres.username(), TestPostgres.password())));
		Matcher hostAndPort = PORT.matcher(url);
		assertThat(hostAndPort.find()).isTrue();
		this.proxy = FreezableProxy.to(hostAndPort.group(1), Integer.parseInt(hostAndPort.group(2)));
		this.pool = new HikariDataSource();
		this.pool.setJdbcUrl(hostAndPort.replaceFirst("//127.0.0.1:" + this.proxy.port() + "/"));
		this.pool.setUsername(TestPostgres.username());
		this.pool.setPassword(TestPostgres.password());
		this.pool.setMaximumPoolSize(4);
	}

	@AfterEach
	void close() throws Exception {
		this.proxy.close();
		this.pool.close();
	}

	@Test
	void aHeartbeatWhoseDatabaseGoesSilentInItsTransactionFails() {
		AtomicBoolean silenceInside = new AtomicBoolean();
		InstancePresence presence = presence(new SilencingTransactions(silenceInside, false));
		presence.beat();
		assertThat(this.direct.queryForObject("select count(*) from dispatch_instance_handler where instance = "
				+ "'relay-1'", Integer.class)).isOne();

		try (LogRecorder log = LogRecorder.of(InstancePresence.class, Level.WARN)) {
			silenceInside.set(true);
			CompletableFuture<Void> beat = CompletableFuture.runAsync(presence::beat);

			// The socket's timeout (the 1 s statement timeout and 2 s more) ends the write, once the driver has given
			// up on its cancel (10 s, its cancelSignalTimeout): about 11 s. Without it, never.
			await().atMost(java.time.Duration.ofSeconds(20)).until(beat::isDone);
			assertThat(log.messages(Level.WARN)).singleElement()
				.asString()
				.startsWith("Could not write this instance's heartbeat");
		}
	}

	@Test
	void aHeartbeatWhoseDatabaseGoesSilentWhileReadingTheOtherInstancesFails() {
		AtomicBoolean silenceAfter = new AtomicBoolean();
		InstancePresence presence = presence(new SilencingTransactions(silenceAfter, true));
		presence.beat();

		try (LogRecorder log = LogRecorder.of(InstancePresence.class, Level.WARN)) {
			silenceAfter.set(true);
			CompletableFuture<Void> beat = CompletableFuture.runAsync(presence::beat);

			// The write went through; reading the others, on a connection borrowed after it, ends too.
			await().atMost(java.time.Duration.ofSeconds(20))
				.until(() -> log.messages(Level.WARN)
					.stream()
					.anyMatch((message) -> message.startsWith("Could not read the other instances' handlers")));
			// Back: the rest of the heartbeat (deleting old rows) goes through.
			this.proxy.thaw();
			await().atMost(java.time.Duration.ofSeconds(20)).until(beat::isDone);
		}
	}

	private InstancePresence presence(TransactionTemplate transactions) {
		return new InstancePresence(new JdbcTemplate(this.pool), transactions, "relay-1", List.of("ordered"),
				List.of("ordered"), TestDispatchProperties.of("heartbeat-interval=1s"), Clock.systemUTC());
	}

	/**
	 * The heartbeat's transactions, which freeze the proxy once asked to: inside the transaction (its connection
	 * borrowed and in use), or right after its commit.
	 */
	private final class SilencingTransactions extends TransactionTemplate {

		private final AtomicBoolean asked;

		private final boolean afterCommit;

		SilencingTransactions(AtomicBoolean asked, boolean afterCommit) {
			super(new DataSourceTransactionManager(HeartbeatSocketTimeoutTests.this.pool));
			this.asked = asked;
			this.afterCommit = afterCommit;
		}

		@Override
		public <T> @Nullable T execute(TransactionCallback<T> action) throws TransactionException {
			T result = super.execute((status) -> {
				if (this.asked.get() && !this.afterCommit) {
					HeartbeatSocketTimeoutTests.this.proxy.freeze();
				}
				return action.doInTransaction(status);
			});
			if (this.asked.get() && this.afterCommit) {
				HeartbeatSocketTimeoutTests.this.proxy.freeze();
			}
			return result;
		}

	}

}
