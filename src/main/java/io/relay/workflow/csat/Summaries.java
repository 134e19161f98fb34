package io.relay.workflow.csat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Computes the figures from the recorded answers when asked: a replaced answer is one row, so it is counted once,
 * and answers are grouped by what Relay knows of their conversation at that moment, whichever arrived first.
 */
@Component
@ConditionalOnCsatDashboard
class Summaries {

	private static final String FROM_ANSWERS = " from csat_answer a left join csat_conversation c on "
			+ "c.conversation_id = a.conversation_id where a.answered_on between ? and ? and a.question in "
			+ "('CSAT', 'NPS')";

	private final JdbcTemplate jdbc;

	private final TransactionTemplate transactions;

	private final CsatDashboardProperties properties;

	private final Clock clock;

	Summaries(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, CsatDashboardProperties properties,
			Clock clock) {
		this.jdbc = jdbc;
		this.transactions = new TransactionTemplate(transactionManager);
		// One snapshot for every query, so that the totals and the groups add up.
		this.transactions.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
		this.transactions.setReadOnly(true);
		this.properties = properties;
		this.clock = clock;
	}

	/** Today in the dashboard's time zone. */
	LocalDate today() {
		return LocalDate.now(this.clock.withZone(this.properties.timeZone()));
	}

	/** The figures of the answers given from {@code from} to {@code to}, both days included. */
	Summary summarize(LocalDate from, LocalDate to) {
		return Objects.requireNonNull(this.transactions.execute((status) -> compute(from, to)));
	}

	private Summary compute(LocalDate from, LocalDate to) {
		Map<@Nullable Object, Tally> days = tallies("a.answered_on", (rs) -> rs.getObject(1, LocalDate.class), from, to);
		Tally all = new Tally(this.properties.scaleMax());
		List<Summary.Day> byDay = new ArrayList<>();
		for (LocalDate day = from; !day.isAfter(to); day = day.plusDays(1)) {
			Tally tally = days.getOrDefault(day, new Tally(this.properties.scaleMax()));
			all.addAll(tally);
			byDay.add(new Summary.Day(day, tally.csat(), tally.nps()));
		}
		return new Summary(from, to, this.properties.timeZone().getId(), all.csat(), all.nps(), byDay,
				groups("c.channel", from, to), groups("c.operator_id", from, to),
				groups("coalesce(a.project_id, c.project_id)", from, to), comments(from, to),
				this.clock.instant());
	}

	private List<Summary.Group> groups(String key, LocalDate from, LocalDate to) {
		Map<@Nullable Object, Tally> tallies = tallies(key, (rs) -> rs.getString(1), from, to);
		List<Map.Entry<@Nullable Object, Tally>> entries = new ArrayList<>(tallies.entrySet());
		entries.sort(Comparator.<Map.Entry<@Nullable Object, Tally>>comparingLong((entry) -> -entry.getValue().answers())
			.thenComparing((entry) -> String.valueOf(entry.getKey())));
		return entries.stream()
			.map((entry) -> new Summary.Group((String) entry.getKey(), entry.getValue().csat(), entry.getValue().nps()))
			.toList();
	}

	/** Answer counts per key, question and value; {@code key} is one of this class's SQL expressions. */
	private Map<@Nullable Object, Tally> tallies(String key, KeyReader keys, LocalDate from, LocalDate to) {
		Map<@Nullable Object, Tally> tallies = new HashMap<>();
		this.jdbc.query("select " + key + ", a.question, a.score, count(*)" + FROM_ANSWERS + " group by " + key
				+ ", a.question, a.score", (ResultSet rs) -> {
					Tally tally = tallies.computeIfAbsent(keys.read(rs), (k) -> new Tally(this.properties.scaleMax()));
					tally.add(Answers.Question.valueOf(rs.getString(2)), rs.getInt(3), rs.getLong(4));
				}, from, to);
		return tallies;
	}

	private List<Summary.Comment> comments(LocalDate from, LocalDate to) {
		if (this.properties.commentsShown() == 0) {
			return List.of();
		}
		// The latest comments first, then what goes with them: joined before the limit, every comment of the range
		// was looked up three times to keep twenty.
		return this.jdbc.query("select a.conversation_id, a.comment, a.answered_at, c.channel, c.operator_id, "
				+ "coalesce(a.project_id, c.project_id), s.score, n.score from (select conversation_id, comment, "
				+ "answered_at, project_id from csat_answer where question = 'COMMENT' and answered_on between ? and ? "
				+ "and comment <> '' order by answered_at desc, conversation_id limit ?) a "
				+ "left join csat_conversation c on c.conversation_id = a.conversation_id "
				+ "left join csat_answer s on s.conversation_id = a.conversation_id and s.question = 'CSAT' "
				+ "left join csat_answer n on n.conversation_id = a.conversation_id and n.question = 'NPS' "
				+ "order by a.answered_at desc, a.conversation_id",
				(rs, row) -> new Summary.Comment(rs.getString(1), rs.getString(2),
						rs.getObject(3, OffsetDateTime.class).toInstant(), rs.getString(4), nullableLong(rs, 5),
						nullableLong(rs, 6), nullableInt(rs, 7), nullableInt(rs, 8)),
				from, to, this.properties.commentsShown());
	}

	private static @Nullable Long nullableLong(ResultSet rs, int column) throws SQLException {
		long value = rs.getLong(column);
		return rs.wasNull() ? null : value;
	}

	private static @Nullable Integer nullableInt(ResultSet rs, int column) throws SQLException {
		int value = rs.getInt(column);
		return rs.wasNull() ? null : value;
	}

	@FunctionalInterface
	private interface KeyReader {

		@Nullable Object read(ResultSet rs) throws SQLException;

	}

}
