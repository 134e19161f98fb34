package io.relay.dispatch.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
import org.springframework.jdbc.datasource.DelegatingDataSource;
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
		this.proxy.thaw();
		this.pool.close();
		this.proxy.close();
	}

	@Test
	void aHeartbeatWhoseDatabaseGoesSilentInItsTransactionFails() {
		FreezingConnections connections = new FreezingConnections();
		InstancePresence presence = presence(connections, new TransactionTemplate(connections.transactions()));
		presence.beat();
		assertThat(this.direct.queryForObject("select count(*) from dispatch_instance_handler where instance = "
				+ "'relay-1'", Integer.class)).isOne();

		try (LogRecorder log = LogRecorder.of(InstancePresence.class, Level.WARN)) {
			// Silent from the moment the heartbeat's transaction has its connection (the pool's checks passed).
			connections.freezeAtTheNext();
			CompletableFuture<Void> beat = CompletableFuture.runAsync(presence::beat);

			// The socket's timeout (the 1 s statement timeout and 2 s more) ends the write, once the driver has given
			// up on its cancel (10 s, its cancelSignalTimeout): about 11 s. Without it, never.
			await().atMost(Duration.ofSeconds(30)).until(beat::isDone);
			assertThat(log.messages(Level.WARN)).singleElement()
				.asString()
				.startsWith("Could not write this instance's heartbeat");
		}
	}

	@Test
	void aHeartbeatWhoseDatabaseGoesSilentWhileReadingTheOtherInstancesFails() {
		FreezingConnections connections = new FreezingConnections();
		AtomicBoolean afterCommit = new AtomicBoolean();
		// Once the heartbeat's transaction has committed, the next connection (reading the others) goes silent.
		TransactionTemplate transactions = new TransactionTemplate(connections.transactions()) {

			@Override
			public <T> @Nullable T execute(TransactionCallback<T> action) throws TransactionException {
				T result = super.execute(action);
				if (afterCommit.get()) {
					connections.freezeAtTheNext();
				}
				return result;
			}

		};
		InstancePresence presence = presence(connections, transactions);
		presence.beat();
		// An instance gone long ago, whose rows the rest of the heartbeat deletes.
		this.direct.update("insert into dispatch_instance_handler (instance, handler, seen_at, applies_filter_at_run, "
				+ "handler_enabled) values ('relay-gone', 'ordered', ?, true, true)",
				Timestamp.from(Instant.now().minus(Duration.ofDays(2))));

		try (LogRecorder log = LogRecorder.of(InstancePresence.class, Level.WARN)) {
			afterCommit.set(true);
			CompletableFuture<Void> beat = CompletableFuture.runAsync(presence::beat);

			// The write went through; reading the others ends too, on its socket's timeout.
			await().atMost(Duration.ofSeconds(30))
				.until(() -> log.messages(Level.WARN)
					.stream()
					.anyMatch((message) -> message.startsWith("Could not read the other instances' handlers")));
			// Back: the rest of the heartbeat (deleting old rows) goes through.
			afterCommit.set(false);
			this.proxy.thaw();
			await().atMost(Duration.ofSeconds(30)).until(beat::isDone);
			assertThat(this.direct.queryForObject("select count(*) from dispatch_instance_handler where instance = "
					+ "'relay-gone'", Integer.class)).isZero();
		}
	}

	private InstancePresence presence(FreezingConnections connections, TransactionTemplate transactions) {
		return new InstancePresence(new JdbcTemplate(connections), transactions, "relay-1", List.of("ordered"),
				List.of("ordered"), TestDispatchProperties.of("heartbeat-interval=1s"), Clock.systemUTC());
	}

	/**
	 * The pool's connections, of which the next one handed out once asked silences the proxy: after the pool has
	 * checked it, so that the pool's own check (when it was idle a while) does not meet the silence first.
	 */
	private final class FreezingConnections extends DelegatingDataSource {

		private final AtomicBoolean freezeAtTheNext = new AtomicBoolean();

		FreezingConnections() {
			super(HeartbeatSocketTimeoutTests.this.pool);
		}

		void freezeAtTheNext() {
			this.freezeAtTheNext.set(true);
		}

		DataSourceTransactionManager transactions() {
			return new DataSourceTransactionManager(this);
		}

		@Override
		public Connection getConnection() throws SQLException {
			Connection connection = super.getConnection();
			if (this.freezeAtTheNext.compareAndSet(true, false)) {
				HeartbeatSocketTimeoutTests.this.proxy.freeze();
			}
			return connection;
		}

	}

}
