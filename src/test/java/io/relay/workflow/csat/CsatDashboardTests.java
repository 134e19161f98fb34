package io.relay.workflow.csat;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.HandlerResult;
import io.relay.event.Channel;
import io.relay.event.ConversationClosed;
import io.relay.event.ConversationPushed;
import io.relay.event.IAdvizeEvent;
import io.relay.event.Platform;
import io.relay.event.SatisfactionAnswered;
import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The figures of the {@code csat-dashboard} workflow: events handed to its handler as the dispatcher hands them
 * (in any order, any number of times), figures read over HTTP from {@code /dashboard/api/summary}. Run on H2 and
 * PostgreSQL by the subclasses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.security.user.name=" + AdminHttp.USER, "spring.security.user.password=" + AdminHttp.PASSWORD,
				"relay.dispatch.poll-interval=50ms", "relay.workflows.csat-dashboard.comments-shown=3",
				"relay.workflows.csat-dashboard.poll-interval=200ms" })
abstract class CsatDashboardTests {

	/** Every test's answers are given on this day (UTC, the default zone), unless it says otherwise. */
	private static final String DAY = "2026-03-02";

	private static final String ON_DAY = "/dashboard/api/summary?from=" + DAY + "&to=" + DAY;

	private static final AtomicLong deliveries = new AtomicLong();

	@LocalServerPort
	int port;

	@Autowired
	CsatDashboardHandler handler;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	Answers answers;

	AdminHttp http;

	@BeforeEach
	void clean() {
		this.http = new AdminHttp(this.port);
		this.jdbc.update("delete from csat_answer");
		this.jdbc.update("delete from csat_conversation");
	}

	@Test
	void aLaterAnswerReplacesTheEarlierOneAndIsCountedOnce() {
		String conversation = conversation();
		handle(csat(conversation, 2, "10:00:00"));
		handle(csat(conversation, 5, "10:00:07"));

		JsonNode csat = this.http.json(ON_DAY).get("csat");
		assertThat(csat.get("count").asLong()).isEqualTo(1);
		assertThat(csat.get("average").asDouble()).isEqualTo(5.0);
		assertThat(csat.get("distribution").get("2").asLong()).isZero();
		assertThat(csat.get("distribution").get("5").asLong()).isEqualTo(1);
	}

	@Test
	void anOlderAnswerArrivingLaterDoesNotReplaceANewerOne() {
		String conversation = conversation();
		handle(csat(conversation, 5, "10:00:07"));
		handle(nps(conversation, 9, "10:00:08"));
		handle(comment(conversation, "Second thoughts: great", "10:01:00"));
		handle(csat(conversation, 2, "10:00:00"));
		handle(nps(conversation, 3, "10:00:01"));
		handle(comment(conversation, "First thoughts", "10:00:30"));

		JsonNode summary = this.http.json(ON_DAY);
		assertThat(summary.get("csat").get("average").asDouble()).isEqualTo(5.0);
		assertThat(summary.get("csat").get("count").asLong()).isEqualTo(1);
		assertThat(summary.get("nps").get("promoters").asLong()).isEqualTo(1);
		assertThat(summary.get("nps").get("count").asLong()).isEqualTo(1);
		assertThat(summary.get("comments")).extracting((c) -> c.get("comment").asString())
			.containsExactly("Second thoughts: great");
	}

	@Test
	void aRepeatedDeliveryOfTheSameEventChangesNothing() {
		String conversation = conversation();
		SatisfactionAnswered first = csat(conversation, 4, "10:00:00");
		assertThat(handle(first)).isEqualTo(HandlerResult.success());
		assertThat(handle(first)).isEqualTo(HandlerResult.success());
		assertThat(this.http.json(ON_DAY).get("csat").get("count").asLong()).isEqualTo(1);

		handle(csat(conversation, 2, "10:05:00"));
		// A replay (or a run again after a crash) of the first answer, after the second one was recorded.
		handle(first);

		JsonNode csat = this.http.json(ON_DAY).get("csat");
		assertThat(csat.get("count").asLong()).isEqualTo(1);
		assertThat(csat.get("average").asDouble()).isEqualTo(2.0);
		assertThat(this.jdbc.queryForObject("select count(*) from csat_answer where conversation_id = ?", Long.class,
				conversation)).isEqualTo(1);
	}

	@Test
	void answersWithTheSameTimeAreDecidedByWhenRelayReceivedThemWhateverTheOrderTheyAreHandledIn() {
		// iAdvize gives createdAt to the second: a visitor who clicks 2 then 5 within one second meant 5. (Before, the
		// greater event id, a random UUID, decided.)
		Instant first = Instant.parse(DAY + "T10:00:00.200Z");
		Instant second = first.plusMillis(300);
		String one = conversation();
		handle(new SatisfactionAnswered("z-event", Platform.SD, 1L, 1L, one, 5, null, null, at(DAY, "10:00:00"), null),
				second);
		handle(new SatisfactionAnswered("a-event", Platform.SD, 1L, 1L, one, 2, null, null, at(DAY, "10:00:00"), null),
				first);
		String other = conversation();
		handle(new SatisfactionAnswered("z-event-2", Platform.SD, 1L, 1L, other, 2, null, null, at(DAY, "10:00:00"),
				null), first);
		handle(new SatisfactionAnswered("a-event-2", Platform.SD, 1L, 1L, other, 5, null, null, at(DAY, "10:00:00"),
				null), second);

		JsonNode csat = this.http.json(ON_DAY).get("csat");
		assertThat(csat.get("distribution").get("5").asLong()).isEqualTo(2);
		assertThat(csat.get("count").asLong()).isEqualTo(2);
	}

	@Test
	void aTieThatAnInstanceFromBeforeV50DecidedByEventIdIsSetRightByAReplay() {
		// Two clicks within one second: a (earlier, the greater id) then b. A new instance records b; an older one,
		// handling a redelivery of a, replaces it by its rule (the greater id) and leaves b's receipt time in the row.
		Instant first = Instant.parse(DAY + "T10:00:00.200Z");
		Instant second = first.plusMillis(300);
		String conversation = conversation();
		SatisfactionAnswered a = new SatisfactionAnswered("z-" + UUID.randomUUID(), Platform.SD, 1L, 1L, conversation, 2,
				null, null, at(DAY, "10:00:00"), null);
		SatisfactionAnswered b = new SatisfactionAnswered("a-" + UUID.randomUUID(), Platform.SD, 1L, 1L, conversation, 5,
				null, null, at(DAY, "10:00:00"), null);
		stored(a, first);
		stored(b, second);
		handle(b, second);
		this.jdbc.update("update csat_answer set score = 2, event_id = ? where conversation_id = ? and question = 'CSAT'",
				a.eventId(), conversation);
		assertThat(this.http.json(ON_DAY).get("csat").get("average").asDouble()).isEqualTo(2.0);

		handle(b, second);

		assertThat(this.http.json(ON_DAY).get("csat").get("average").asDouble()).isEqualTo(5.0);
	}

	@Test
	void answersWithTheSameTimeReceivedTogetherAreDecidedByEventIdWhateverTheOrderOfArrival() {
		Instant received = Instant.parse(DAY + "T10:00:01Z");
		String one = conversation();
		String other = conversation();
		handle(new SatisfactionAnswered("b-event", Platform.SD, 1L, 1L, one, 3, null, null, at(DAY, "10:00:00"), null),
				received);
		handle(new SatisfactionAnswered("a-event", Platform.SD, 1L, 1L, one, 1, null, null, at(DAY, "10:00:00"), null),
				received);
		handle(new SatisfactionAnswered("a-event-2", Platform.SD, 1L, 1L, other, 1, null, null, at(DAY, "10:00:00"),
				null), received);
		handle(new SatisfactionAnswered("b-event-2", Platform.SD, 1L, 1L, other, 3, null, null, at(DAY, "10:00:00"),
				null), received);

		JsonNode csat = this.http.json(ON_DAY).get("csat");
		assertThat(csat.get("distribution").get("3").asLong()).isEqualTo(2);
		assertThat(csat.get("count").asLong()).isEqualTo(2);
	}

	@Test
	void npsCountsZeroToSixAsDetractorsSevenAndEightAsPassivesNineAndTenAsPromoters() {
		for (int score : new int[] { 0, 6, 7, 8, 9, 10 }) {
			handle(nps(conversation(), score, "09:00:00"));
		}
		JsonNode nps = this.http.json(ON_DAY).get("nps");
		assertThat(nps.get("count").asLong()).isEqualTo(6);
		assertThat(nps.get("detractors").asLong()).isEqualTo(2);
		assertThat(nps.get("passives").asLong()).isEqualTo(2);
		assertThat(nps.get("promoters").asLong()).isEqualTo(2);
		assertThat(nps.get("score").asDouble()).isEqualTo(0.0);
		assertThat(nps.get("distribution").properties()).extracting(java.util.Map.Entry::getKey)
			.containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");

		// Two more promoters: (4 - 2) / 8 = +25.
		handle(nps(conversation(), 9, "09:00:00"));
		handle(nps(conversation(), 10, "09:00:00"));
		assertThat(this.http.json(ON_DAY).get("nps").get("score").asDouble()).isEqualTo(25.0);

		// One more detractor: (4 - 3) / 9 = +11.1.
		handle(nps(conversation(), 0, "09:00:00"));
		assertThat(this.http.json(ON_DAY).get("nps").get("score").asDouble()).isEqualTo(11.1);
	}

	@Test
	void answersAreGroupedByTheChannelOperatorAndProjectOfTheirConversation() {
		String chat = conversation();
		handle(pushed(chat, Channel.CHAT, 11L, 100L, "08:00:00"));
		handle(csat(chat, 5, "08:30:00", 100L));
		handle(nps(chat, 10, "08:30:01", 100L));

		String sms = conversation();
		handle(closed(sms, Channel.SMS, List.of(11L, 12L), 200L, "08:10:00"));
		handle(csat(sms, 3, "08:40:00", 200L));

		// Transferred from operator 12 to 13: the answer counts for 13.
		String transferred = conversation();
		handle(pushed(transferred, Channel.CHAT, 12L, 100L, "08:00:00"));
		handle(pushed(transferred, Channel.CHAT, 13L, 100L, "08:05:00"));
		handle(csat(transferred, 1, "08:50:00", 100L));

		// Relay never saw this conversation's events: its project comes from the answer itself.
		String unseen = conversation();
		handle(csat(unseen, 4, "09:00:00", 300L));

		JsonNode summary = this.http.json(ON_DAY);
		assertThat(groups(summary, "byChannel")).containsExactly("CHAT:2:3.0", "SMS:1:3.0", "null:1:4.0");
		assertThat(groups(summary, "byOperator")).containsExactly("11:1:5.0", "12:1:3.0", "13:1:1.0", "null:1:4.0");
		assertThat(groups(summary, "byProject")).containsExactly("100:2:3.0", "200:1:3.0", "300:1:4.0");
		JsonNode chatGroup = summary.get("byChannel").get(0);
		assertThat(chatGroup.get("nps").get("count").asLong()).isEqualTo(1);
		assertThat(chatGroup.get("nps").get("score").asDouble()).isEqualTo(100.0);
	}

	@Test
	void conversationEventsCountWhicheverArrivesFirstAndTheLatestOneWins() {
		String conversation = conversation();
		handle(csat(conversation, 4, "09:00:00"));
		assertThat(groups(this.http.json(ON_DAY), "byOperator")).containsExactly("null:1:4.0");

		// Closed (operators 21 then 22) arrives, then the older push to 21 arrives late: 22 it stays.
		handle(closed(conversation, Channel.VIDEO, List.of(21L, 22L), 100L, "08:59:00"));
		handle(pushed(conversation, Channel.VIDEO, 21L, 100L, "08:00:00"));

		JsonNode summary = this.http.json(ON_DAY);
		assertThat(groups(summary, "byOperator")).containsExactly("22:1:4.0");
		assertThat(groups(summary, "byChannel")).containsExactly("VIDEO:1:4.0");
	}

	@Test
	void answersCountOnTheirDayAndEveryDayOfTheRangeIsListed() {
		handle(csat(conversation(), 5, "10:00:00"));
		// 23:30 at UTC-2 is already the next day in UTC, the dashboard's default zone.
		handle(new SatisfactionAnswered(UUID.randomUUID().toString(), Platform.SD, 1L, 1L, conversation(), 1, null,
				null, OffsetDateTime.parse("2026-03-03T23:30:00-02:00"), null));

		JsonNode summary = this.http.json("/dashboard/api/summary?from=2026-03-01&to=2026-03-04");
		assertThat(summary.get("byDay")).extracting((day) -> day.get("day").asString() + ":"
				+ day.get("csat").get("count").asLong() + ":" + text(day.get("csat").get("average")))
			.containsExactly("2026-03-01:0:null", "2026-03-02:1:5.0", "2026-03-03:0:null", "2026-03-04:1:1.0");
		assertThat(summary.get("csat").get("count").asLong()).isEqualTo(2);
		assertThat(summary.get("csat").get("average").asDouble()).isEqualTo(3.0);
		assertThat(summary.get("timeZone").asString()).isEqualTo("UTC");

		JsonNode oneDay = this.http.json("/dashboard/api/summary?from=2026-03-04&to=2026-03-04");
		assertThat(oneDay.get("csat").get("count").asLong()).isEqualTo(1);
		assertThat(oneDay.get("nps").get("score").isNull()).isTrue();
	}

	@Test
	void theLatestCommentsComeNewestFirstWithTheirScores() {
		String scored = conversation();
		handle(pushed(scored, Channel.CHAT, 7L, 100L, "07:00:00"));
		handle(csat(scored, 4, "10:00:00"));
		handle(nps(scored, 8, "10:00:01"));
		handle(comment(scored, "<b>Quick</b> & helpful", "10:00:02"));
		handle(comment(conversation(), "Oldest", "09:00:00"));
		handle(comment(conversation(), "Older", "09:30:00"));
		handle(comment(conversation(), "Newest", "11:00:00"));
		handle(comment(conversation(), "   ", "12:00:00"));

		JsonNode comments = this.http.json(ON_DAY).get("comments");
		// comments-shown is 3 in these tests; a blank comment is no comment.
		assertThat(comments).extracting((c) -> c.get("comment").asString())
			.containsExactly("Newest", "<b>Quick</b> & helpful", "Older");
		JsonNode withScores = comments.get(1);
		assertThat(withScores.get("conversationId").asString()).isEqualTo(scored);
		assertThat(withScores.get("csat").asInt()).isEqualTo(4);
		assertThat(withScores.get("nps").asInt()).isEqualTo(8);
		assertThat(withScores.get("channel").asString()).isEqualTo("CHAT");
		assertThat(withScores.get("operatorId").asLong()).isEqualTo(7);
		assertThat(withScores.get("answeredAt").asString()).isEqualTo(DAY + "T10:00:02Z");
		assertThat(comments.get(0).get("csat").isNull()).isTrue();
	}

	@Test
	void answersOutsideTheScaleAreSkippedWithTheReason() {
		HandlerResult result = handle(csat(conversation(), 7, "10:00:00"));
		assertThat(result).isEqualTo(
				HandlerResult.skipped("customerSatisfaction 7 is outside 1..5 (relay.workflows.csat-dashboard.scale-max)"));
		assertThat(handle(nps(conversation(), 11, "10:00:00")))
			.isEqualTo(HandlerResult.skipped("netPromoterScore 11 is outside 0..10"));
		assertThat(handle(new SatisfactionAnswered(UUID.randomUUID().toString(), Platform.SD, 1L, 1L, null, 3, null,
				null, at(DAY, "10:00:00"), null))).isEqualTo(HandlerResult.skipped("the answer names no conversation"));
		assertThat(this.http.json(ON_DAY).get("csat").get("count").asLong()).isZero();
	}

	@Test
	void theHandlerWantsSatisfactionAndConversationEventsOnly() {
		assertThat(this.handler.name()).isEqualTo("csat-dashboard");
		assertThat(this.handler.accepts(csat(conversation(), 3, "10:00:00"))).isTrue();
		assertThat(this.handler.accepts(pushed(conversation(), Channel.CHAT, 1L, 1L, "10:00:00"))).isTrue();
		assertThat(this.handler.accepts(closed(conversation(), Channel.CHAT, List.of(), 1L, "10:00:00"))).isTrue();
		assertThat(this.handler.accepts(new io.relay.event.UnknownEvent(UUID.randomUUID().toString(), "other.type",
				Platform.SD, null, null, null, java.util.Map.of()))).isFalse();
	}

	@Test
	void signedWebhooksReachTheFiguresThroughTheDispatcher() {
		// The documented examples, as iAdvize sends them (answered on 2017-04-22 at 11:01 +02:00).
		String conversation = conversation();
		Fixtures.Event csat = fixture("satisfaction.answered.customerSatisfaction.json", conversation);
		Fixtures.Event nps = fixture("satisfaction.answered.netPromoterScore.json", conversation);
		Fixtures.Event comment = fixture("satisfaction.answered.satisfactionComment.json", conversation);
		WebhookClient webhook = WebhookClient.onPort(this.port);
		for (Fixtures.Event event : List.of(csat, nps, comment)) {
			assertThat(webhook.deliver(event.body()).statusCode()).isEqualTo(202);
		}

		String range = "/dashboard/api/summary?from=2017-04-22&to=2017-04-22";
		JsonNode summary = await().atMost(Duration.ofSeconds(20))
			.until(() -> this.http.json(range), (s) -> s.get("comments").size() == 1 && s.get("nps").get("count")
				.asLong() == 1 && s.get("csat").get("count").asLong() == 1);
		assertThat(summary.get("csat").get("average").asDouble()).isEqualTo(3.0);
		assertThat(summary.get("nps").get("score").asDouble()).isEqualTo(-100.0);
		assertThat(summary.get("comments").get(0).get("comment").asString()).isEqualTo("It was very helpful");
		assertThat(groups(summary, "byProject")).containsExactly("3030:1:3.0");
		// Figures only: never a secret of Relay's.
		HttpResponse<String> raw = this.http.get(range);
		assertThat(raw.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/json"));
		assertThat(raw.body()).doesNotContain(WebhookClient.SECRET, AdminHttp.PASSWORD, "visitorId", "clientId");
	}

	@Test
	void theDefaultRangeIsTheLastThirtyDaysUpToToday() {
		LocalDate before = LocalDate.now(ZoneOffset.UTC);
		JsonNode summary = this.http.json("/dashboard/api/summary");
		LocalDate after = LocalDate.now(ZoneOffset.UTC);
		LocalDate to = LocalDate.parse(summary.get("to").asString());
		assertThat(to).isBetween(before, after);
		assertThat(summary.get("from").asString()).isEqualTo(to.minusDays(29).toString());
		assertThat(summary.get("byDay")).hasSize(30);
		assertThat(summary.get("csat").get("average").isNull()).isTrue();
		assertThat(summary.get("csat").get("count").asLong()).isZero();
		assertThat(summary.get("csat").get("scaleMax").asInt()).isEqualTo(5);
	}

	@Test
	void badRangesAreAnsweredWithProblemDetails() {
		assertProblem("/dashboard/api/summary?from=yesterday", "'from' must be a date such as 2026-11-25, not 'yesterday'");
		assertProblem("/dashboard/api/summary?from=2026-03-05&to=2026-03-01",
				"'from' (2026-03-05) must not be after 'to' (2026-03-01)");
		assertProblem("/dashboard/api/summary?from=2025-01-01&to=2026-03-01",
				"The range covers 425 days; at most 366 can be asked for at once");
		assertProblem("/dashboard/api/summary?to=2026-02-30", "'to' must be a date such as 2026-11-25, not '2026-02-30'");
		assertProblem("/dashboard/api/summary?from=%2B999999999-12-30",
				"'from' must be a date between the years 1000 and 9999, not '+999999999-12-30'");
		assertProblem("/dashboard/api/summary?to=-999999999-01-01",
				"'to' must be a date between the years 1000 and 9999, not '-999999999-01-01'");
	}

	@Test
	void aCloseThatNamesNoOperatorKeepsTheOperatorTheConversationWasPushedTo() {
		// A bot closed it (no operator listed) and the event names no channel: still operator 31's, on chat.
		String conversation = conversation();
		handle(pushed(conversation, Channel.CHAT, 31L, 100L, "08:00:00"));
		handle(closed(conversation, Channel.UNKNOWN, List.of(), null, "08:30:00"));
		handle(csat(conversation, 5, "08:40:00", null));
		JsonNode summary = this.http.json(ON_DAY);
		assertThat(groups(summary, "byOperator")).containsExactly("31:1:5.0");
		assertThat(groups(summary, "byChannel")).containsExactly("CHAT:1:5.0");
		assertThat(groups(summary, "byProject")).containsExactly("100:1:5.0");

		// The other way round: the close came first, the push arrives late and fills in what the close lacked.
		String late = conversation();
		handle(closed(late, Channel.UNKNOWN, List.of(), null, "09:30:00"));
		handle(pushed(late, Channel.VIDEO, 32L, 100L, "09:00:00"));
		handle(csat(late, 4, "09:40:00", null));
		assertThat(groups(this.http.json(ON_DAY), "byOperator")).containsExactly("31:1:5.0", "32:1:4.0");
	}

	@Test
	void aTransferPushArrivingAfterABotsCloseStillSetsTheOperator() {
		// Pushed to 41, transferred to 42 (that push retried by iAdvize, so late), closed by a bot: 42's answer.
		String conversation = conversation();
		handle(pushed(conversation, Channel.CHAT, 41L, 100L, "08:00:00"));
		handle(closed(conversation, Channel.CHAT, List.of(), 100L, "08:30:00"));
		handle(pushed(conversation, Channel.CHAT, 42L, 100L, "08:10:00"));
		handle(csat(conversation, 2, "08:40:00", 100L));
		// And the first push arriving last changes nothing.
		handle(pushed(conversation, Channel.CHAT, 41L, 100L, "08:00:00"));
		assertThat(groups(this.http.json(ON_DAY), "byOperator")).containsExactly("42:1:2.0");
	}

	@Test
	void everyChangeMovesTheTokenOtherInstancesPollIncludingAChangeStampedBeforeTheNewest() {
		String conversation = conversation();
		handle(closed(conversation, Channel.UNKNOWN, List.of(), null, "09:30:00"));
		String closedOnly = this.answers.lastChange();
		// A late push fills in the operator, the project and the channel the close lacked.
		handle(pushed(conversation, Channel.VIDEO, 32L, 100L, "09:00:00"));
		String filledIn = this.answers.lastChange();
		assertThat(filledIn).isNotEqualTo(closedOnly);

		// Another instance's answer, stamped ten seconds before the newest change but committed after it.
		OffsetDateTime newest = this.jdbc.queryForObject("select max(updated_at) from csat_conversation",
				OffsetDateTime.class);
		this.jdbc.update("insert into csat_conversation (conversation_id, channel, seen_at, event_id, updated_at) "
				+ "values (?, 'CHAT', ?, ?, ?)", conversation(), newest, UUID.randomUUID().toString(),
				newest.minusSeconds(10));
		String inserted = this.answers.lastChange();
		assertThat(inserted).isNotEqualTo(filledIn);

		// And a change to a row of that minute, stamped before the newest: the row's time moves within it.
		this.jdbc.update("update csat_conversation set operator_id = 33, updated_at = ? where conversation_id = ?",
				newest.minusSeconds(5), conversation);
		assertThat(this.answers.lastChange()).isNotEqualTo(inserted);
	}

	@Test
	void anAnswerDatedInTheFutureCountsWhenItWasReceived() {
		// A createdAt in milliseconds read as seconds: the year 51247. Believed, the answer would count on no day
		// ever shown and could never be replaced by the visitor's next answer.
		String conversation = conversation();
		OffsetDateTime farFuture = OffsetDateTime.parse("+51247-01-01T00:00:00Z");
		handle(new SatisfactionAnswered(UUID.randomUUID().toString(), Platform.SD, 1L, 1L, conversation, 2, null, null,
				farFuture, null));
		// Around today (not today itself: the test may run across midnight, the receipt on either side of it).
		LocalDate today = LocalDate.now(ZoneOffset.UTC);
		String aroundToday = "/dashboard/api/summary?from=" + today.minusDays(1) + "&to=" + today.plusDays(1);
		assertThat(this.http.json(aroundToday).get("csat").get("count").asLong()).isEqualTo(1);

		handle(new SatisfactionAnswered(UUID.randomUUID().toString(), Platform.SD, 1L, 1L, conversation, 5, null, null,
				OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(1), null));
		assertThat(this.http.json(aroundToday).get("csat").get("average").asDouble()).isEqualTo(5.0);
	}

	@Test
	void aCommentWithANulCharacterIsKept() {
		// PostgreSQL refuses NUL in text: the delivery failed until it died.
		String conversation = conversation();
		assertThat(handle(comment(conversation, "Great\u0000 service", "10:00:00"))).isEqualTo(HandlerResult.success());
		assertThat(this.http.json(ON_DAY).get("comments").get(0).get("comment").asString())
			.isEqualTo("Great\uFFFD service");
	}

	@Test
	void thePageAndItsApiNeedTheAdminLogin() {
		for (String path : List.of("/dashboard", "/dashboard/api/summary", "/dashboard/api/updates",
				"/dashboard/dashboard.js")) {
			HttpResponse<String> anonymous = this.http.anonymous(path);
			assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
			assertThat(anonymous.headers().firstValue("Content-Type")).as(path).hasValue("application/problem+json");
		}
		// What visitors wrote is never kept by a cache, nor read as anything but JSON, nor framed.
		HttpResponse<String> summary = this.http.get("/dashboard/api/summary");
		assertThat(summary.statusCode()).isEqualTo(200);
		assertThat(summary.headers().firstValue("Cache-Control")).hasValueSatisfying(
				(cache) -> assertThat(cache).contains("no-store"));
		assertThat(summary.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
		assertThat(summary.headers().firstValue("X-Frame-Options")).hasValue("DENY");
		HttpResponse<String> page = this.http.get("/dashboard");
		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/html"));
		assertThat(page.body()).contains("<canvas id=\"trend\"", "/webjars/chart.js/dist/chart.umd.min.js")
			.doesNotContain(AdminHttp.PASSWORD, WebhookClient.SECRET);
		// Only Relay's own scripts and styles run (CsatDashboardBrowserTests: the page works under it).
		assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying((policy) -> assertThat(
				policy).contains("default-src 'none'", "script-src 'self';", "style-src 'self';", "frame-ancestors 'none'")
			.doesNotContain("unsafe-inline", "unsafe-eval"));
		HttpResponse<String> chartJs = this.http.get("/webjars/chart.js/dist/chart.umd.min.js");
		assertThat(chartJs.statusCode()).isEqualTo(200);
		assertThat(chartJs.body()).contains("Chart.js v4");
	}

	@Test
	void anOpenStreamIsToldAsSoonAsThisInstanceRecordsAnAnswer() throws Exception {
		try (Events events = openStream()) {
			CompletableFuture<String> next = events.next();
			handle(csat(conversation(), 5, "10:00:00"));
			// (The poll may find the answer first, between the commit and the announcement.)
			assertThat(afterPolls(events, next.get(10, TimeUnit.SECONDS))).isEqualTo(RECORDED);
		}
	}

	@Test
	void anOpenStreamIsToldOfAConversationEventOnlyWhenTheConversationHasAnAnswer() throws Exception {
		try (Events events = openStream()) {
			CompletableFuture<String> next = events.next();
			// Most conversations have no answer: nothing shown changes, and this instance does not announce it (the
			// poll may, at most once per poll-interval, as it would another instance's change).
			handle(pushed(conversation(), Channel.CHAT, 21L, 100L, "09:00:00"));
			await().during(Duration.ofSeconds(1))
				.atMost(Duration.ofSeconds(3))
				.until(() -> !next.isDone() || next.join().equals(POLLED));

			String answered = conversation();
			handle(csat(answered, 5, "10:00:00"));
			assertThat(afterPolls(events, next.get(10, TimeUnit.SECONDS))).isEqualTo(RECORDED);
			// Its conversation's channel, operator and project group its answer: that changes the figures.
			CompletableFuture<String> then = events.next();
			handle(pushed(answered, Channel.CHAT, 21L, 100L, "09:00:00"));
			assertThat(afterPolls(events, then.get(10, TimeUnit.SECONDS))).isEqualTo(RECORDED);
		}
	}

	@Test
	void anOpenStreamIsToldOfAnswersRecordedByAnotherInstance() throws Exception {
		try (Events events = openStream()) {
			CompletableFuture<String> next = events.next();
			// Another instance on the same database, as far as this one can tell.
			this.jdbc.update("insert into csat_answer (conversation_id, question, score, answered_at, answered_on, "
					+ "event_id, updated_at) values (?, 'CSAT', 4, ?, ?, ?, ?)", conversation(), at(DAY, "10:00:00"),
					LocalDate.parse(DAY), UUID.randomUUID().toString(), OffsetDateTime.now(ZoneOffset.UTC));
			// poll-interval is 200ms in these tests
			assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo("changed {\"reason\":\"database\"}");
		}
		assertThat(this.http.json(ON_DAY).get("csat").get("count").asLong()).isEqualTo(1);
	}

	private static final String RECORDED = "changed {\"reason\":\"recorded\"}";

	private static final String POLLED = "changed {\"reason\":\"database\"}";

	/** {@code event}, or the first event after it that the poll did not send. */
	private static String afterPolls(Events events, String event) throws Exception {
		while (event.equals(POLLED)) {
			event = events.next().get(10, TimeUnit.SECONDS);
		}
		return event;
	}

	/** Opens {@code /dashboard/api/updates} and waits for its {@code ready} event. */
	private Events openStream() throws Exception {
		HttpResponse<Stream<String>> response = this.http.stream("/dashboard/api/updates");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("text/event-stream"));
		assertThat(response.headers().firstValue("X-Accel-Buffering")).as("not buffered by nginx").hasValue("no");
		Events events = new Events(response.body());
		assertThat(events.next().get(10, TimeUnit.SECONDS)).isEqualTo("ready ready");
		return events;
	}

	/** Server-sent events as {@code "<name> <data>"}, one at a time. */
	private static final class Events implements AutoCloseable {

		private final Stream<String> lines;

		private final Iterator<String> iterator;

		Events(Stream<String> lines) {
			this.lines = lines;
			this.iterator = lines.iterator();
		}

		CompletableFuture<String> next() {
			return CompletableFuture.supplyAsync(() -> {
				String name = null;
				String data = "";
				while (this.iterator.hasNext()) {
					String line = this.iterator.next();
					if (line.startsWith("event:")) {
						name = line.substring(6);
					}
					else if (line.startsWith("data:")) {
						data = line.substring(5);
					}
					else if (line.isEmpty() && name != null) {
						return name + " " + data;
					}
				}
				throw new IllegalStateException("the stream ended");
			});
		}

		@Override
		public void close() {
			this.lines.close();
		}

	}

	private void assertProblem(String path, String detail) {
		HttpResponse<String> response = this.http.get(path);
		assertThat(response.statusCode()).as(path).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		JsonNode problem = tools.jackson.databind.json.JsonMapper.builder().build().readTree(response.body());
		assertThat(problem.get("detail").asString()).isEqualTo(detail);
		assertThat(problem.get("status").asInt()).isEqualTo(400);
		assertThat(problem.get("title").asString()).isEqualTo("Bad Request");
		assertThat(problem.get("parameter").asString()).isEqualTo(path.contains("?to=") ? "to" : "from");
	}

	/** Each group as {@code key:csat count:csat average}, in the order of the summary. */
	private static List<String> groups(JsonNode summary, String field) {
		return summary.get(field).valueStream()
			.map((group) -> text(group.get("key")) + ":" + group.get("csat").get("count").asLong() + ":"
					+ text(group.get("csat").get("average")))
			.toList();
	}

	private static String text(JsonNode node) {
		return node.isNull() ? "null" : node.asString();
	}

	private HandlerResult handle(IAdvizeEvent event) {
		return handle(event, Instant.now());
	}

	/** The event in the inbox, as received at {@code receivedAt} (its payload is not read here). */
	private void stored(IAdvizeEvent event, Instant receivedAt) {
		this.jdbc.update("insert into inbox_event (event_id, event_type, content_type, payload, received_at) values "
				+ "(?, ?, 'application/json', ?, ?)", event.eventId(), event.eventType(),
				"{}".getBytes(java.nio.charset.StandardCharsets.UTF_8), java.sql.Timestamp.from(receivedAt));
	}

	private HandlerResult handle(IAdvizeEvent event, Instant receivedAt) {
		try {
			return this.handler.handle(new Delivery<>(deliveries.incrementAndGet(),
					Delivery.idempotencyKey(event.eventId(), this.handler.name()), event, 1, receivedAt));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Fixtures.Event fixture(String name, String conversation) {
		Fixtures.Event event = Fixtures.withFreshId(name);
		return new Fixtures.Event(event.eventId(),
				event.body().replace("2d90a8a2-16df-45f5-897e-31adf9aa165d", conversation));
	}

	private static String conversation() {
		return UUID.randomUUID().toString();
	}

	private static OffsetDateTime at(String day, String time) {
		return OffsetDateTime.parse(day + "T" + time + "Z");
	}

	private static SatisfactionAnswered csat(String conversation, int score, String time) {
		return csat(conversation, score, time, 1L);
	}

	private static SatisfactionAnswered csat(String conversation, int score, String time, @Nullable Long project) {
		return new SatisfactionAnswered(UUID.randomUUID().toString(), Platform.SD, project, 1L, conversation, score,
				null, null, at(DAY, time), null);
	}

	private static SatisfactionAnswered nps(String conversation, int score, String time) {
		return nps(conversation, score, time, 1L);
	}

	private static SatisfactionAnswered nps(String conversation, int score, String time, @Nullable Long project) {
		return new SatisfactionAnswered(UUID.randomUUID().toString(), Platform.SD, project, 1L, conversation, null,
				score, null, at(DAY, time), null);
	}

	private static SatisfactionAnswered comment(String conversation, String comment, String time) {
		return new SatisfactionAnswered(UUID.randomUUID().toString(), Platform.SD, 1L, 1L, conversation, null, null,
				comment, at(DAY, time), null);
	}

	private static ConversationPushed pushed(String conversation, Channel channel, Long operator, Long project,
			String time) {
		return new ConversationPushed(UUID.randomUUID().toString(), Platform.SD, project, 1L, conversation, operator,
				null, channel, null, at(DAY, time), null);
	}

	private static ConversationClosed closed(String conversation, Channel channel, List<Long> operators, Long project,
			String time) {
		return new ConversationClosed(UUID.randomUUID().toString(), Platform.SD, project, 1L, conversation, operators,
				null, channel, null, at(DAY, time), null);
	}

}
