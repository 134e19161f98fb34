package io.relay.workflow.csat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.event.Channel;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.PreparedStatementSetter;
import org.springframework.jdbc.support.JdbcTransactionManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link Conversations} against the summaries the pages share: what one event changes is committed at once, so a
 * page's summary read meanwhile cannot be kept under the change token of the new state.
 */
class ConversationsTests {

	private static final Instant PUSHED = Instant.parse("2026-11-20T08:00:00Z");

	private static final LocalDate DAY = LocalDate.parse("2026-11-20");

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aPageToldOfANewOperatorGetsItEvenWhenItAskedWhileTheEventWasBeingRecorded(String database) throws Exception {
		DataSource dataSource = MigratedDatabase.of(database, "csat_conversations");
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		JdbcTransactionManager transactions = new JdbcTransactionManager(dataSource);
		Answers answers = new Answers(jdbc);
		Summaries summaries = new Summaries(jdbc, transactions, new CsatDashboardProperties(true, 5, 20, 30,
				ZoneOffset.UTC, Duration.ofSeconds(5)), Clock.fixed(PUSHED.plusSeconds(7200), ZoneOffset.UTC));
		SharedSummaries shared = new SharedSummaries(answers::lastChange, summaries::summarize,
				new SimpleMeterRegistry(), Duration.ofSeconds(20), Duration.ofSeconds(50), Clock.systemUTC());
		AtomicReference<Summary> meanwhile = new AtomicReference<>();
		// A page asks (on a thread and a connection of its own) right after the row's statement, before the operator's.
		JdbcTemplate recording = new JdbcTemplate(dataSource) {

			@Override
			public int update(String sql, PreparedStatementSetter setter) {
				int rows = super.update(sql, setter);
				if (sql.startsWith("update csat_conversation set channel") && rows == 1 && meanwhile.get() == null) {
					meanwhile.set(CompletableFuture.supplyAsync(() -> shared.summarize(DAY, DAY)).join());
				}
				return rows;
			}

		};
		Conversations conversations = new Conversations(recording, transactions);
		Instant now = PUSHED.plusSeconds(60);
		conversations.record(new Conversations.Conversation("c1", Channel.CHAT, 41L, null, PUSHED, "e1"), now);
		answers.record(new Answers.Answer("c1", Answers.Question.CSAT, 5, null, PUSHED.plusSeconds(1200), DAY, "a1",
				null, PUSHED.plusSeconds(1200)), now);

		// Closed by 41 then 42 (the last one listed counts).
		assertThat(conversations.record(new Conversations.Conversation("c1", Channel.CHAT, 42L, null,
				PUSHED.plusSeconds(1800), "e2"), PUSHED.plusSeconds(3600))).isTrue();

		assertThat(meanwhile.get().byOperator()).extracting(Summary.Group::key).containsExactly("41");
		// Told of the change, the page loads: the new operator, not what was kept meanwhile.
		assertThat(shared.summarize(DAY, DAY).byOperator()).extracting(Summary.Group::key).containsExactly("42");
	}


	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aPushRecordedWhileTheConversationsFirstEventCommitsKeepsItsNewerOperator(String database) {
		DataSource dataSource = MigratedDatabase.of(database, "csat_operator_race");
		JdbcTransactionManager transactions = new JdbcTransactionManager(dataSource);
		Conversations other = new Conversations(new JdbcTemplate(dataSource), transactions);
		AtomicBoolean firstPushRecorded = new AtomicBoolean();
		Runnable firstPush = () -> {
			if (firstPushRecorded.compareAndSet(false, true)) {
				other.record(new Conversations.Conversation("c1", Channel.CHAT, 41L, null, PUSHED, "e1"),
						PUSHED.plusSeconds(100));
			}
		};
		// The first push (to 41) is recorded by another delivery, committed right after this one's first statement
		// about the operator: when there was no row yet, that statement changed nothing.
		JdbcTemplate recording = new JdbcTemplate(dataSource) {

			@Override
			public int update(String sql, PreparedStatementSetter setter) {
				int rows = super.update(sql, setter);
				if (sql.startsWith("update csat_conversation set operator_id")) {
					CompletableFuture.runAsync(firstPush).join();
				}
				return rows;
			}

		};
		// The transfer push to 42, ten seconds later.
		assertThat(new Conversations(recording, transactions).record(new Conversations.Conversation("c1",
				Channel.CHAT, 42L, null, PUSHED.plusSeconds(10), "e2"), PUSHED.plusSeconds(100))).isTrue();
		firstPush.run();

		assertThat(new JdbcTemplate(dataSource).queryForObject("select operator_id from csat_conversation where "
				+ "conversation_id = 'c1'", Long.class)).isEqualTo(42L);
	}

	@Test
	void onPostgreSqlALaterEventOfAConversationInsertsNothingRatherThanFail() {
		// A failed insert writes an ERROR line to PostgreSQL's log, and most events are not a conversation's first.
		DataSource dataSource = MigratedDatabase.of("postgres", "csat_insert");
		List<String> failedStatements = new CopyOnWriteArrayList<>();
		JdbcTemplate watched = new JdbcTemplate(dataSource) {

			@Override
			public int update(String sql, PreparedStatementSetter setter) {
				try {
					return super.update(sql, setter);
				}
				catch (DataAccessException ex) {
					failedStatements.add(sql);
					throw ex;
				}
			}

		};
		Conversations conversations = new Conversations(watched, new JdbcTransactionManager(dataSource));
		conversations.record(new Conversations.Conversation("c1", Channel.CHAT, 41L, null, PUSHED, "e1"), PUSHED);
		assertThat(conversations.record(new Conversations.Conversation("c1", Channel.CHAT, 42L, null,
				PUSHED.plusSeconds(10), "e2"), PUSHED.plusSeconds(10))).isTrue();

		assertThat(failedStatements).isEmpty();
		assertThat(new JdbcTemplate(dataSource).queryForObject("select operator_id from csat_conversation where "
				+ "conversation_id = 'c1'", Long.class)).isEqualTo(42L);
	}


	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aConversationsFirstTwoEventsRecordedAtOnceKeepTheNewerOperatorWhicheverInsertsFirst(String database) {
		DataSource dataSource = MigratedDatabase.of(database, "csat_insert_race");
		JdbcTransactionManager transactions = new JdbcTransactionManager(dataSource);
		JdbcTemplate jdbc = new JdbcTemplate(dataSource);
		Conversations other = new Conversations(jdbc, transactions);
		// c1: the first push (to 41) inserts, the transfer (to 42) waits on that uncommitted insert; c2 the reverse.
		for (boolean olderFirst : new boolean[] { true, false }) {
			String id = olderFirst ? "c1" : "c2";
			Conversations.Conversation older = new Conversations.Conversation(id, Channel.CHAT, 41L, null, PUSHED, "e1");
			Conversations.Conversation newer = new Conversations.Conversation(id, Channel.CHAT, 42L, null,
					PUSHED.plusSeconds(10), "e2");
			AtomicReference<CompletableFuture<Boolean>> second = new AtomicReference<>();
			JdbcTemplate inserting = new JdbcTemplate(dataSource) {

				@Override
				public int update(String sql, PreparedStatementSetter setter) {
					int rows = super.update(sql, setter);
					if (sql.startsWith("insert into csat_conversation") && second.get() == null) {
						// Before this insert commits: the other delivery runs until it waits on it.
						second.set(CompletableFuture.supplyAsync(() -> other.record(olderFirst ? newer : older,
								PUSHED.plusSeconds(100))));
						await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnTheInsert(jdbc, database));
					}
					return rows;
				}

			};
			assertThat(new Conversations(inserting, transactions).record(olderFirst ? older : newer,
					PUSHED.plusSeconds(100))).isTrue();
			assertThat(second.get().join()).isEqualTo(olderFirst);

			assertThat(jdbc.queryForObject("select operator_id || ' ' || event_id from csat_conversation where "
					+ "conversation_id = ?", String.class, id)).isEqualTo("42 e2");
		}
	}

	/** Another session in its insert of the conversation (H2 does not name what it waits for: no blocker id). */
	private static boolean waitingOnTheInsert(JdbcTemplate jdbc, String database) {
		String waiting = database.equals("h2")
				? "select count(*) from information_schema.sessions where executing_statement like "
						+ "'insert into csat_conversation%'"
				: "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = "
						+ "'Lock' and query like 'insert into csat_conversation%'";
		Integer count = jdbc.queryForObject(waiting, Integer.class);
		return count != null && count > 0;
	}

}
