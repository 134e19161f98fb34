package io.relay.event;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.relay.support.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class EventParserTests {

	private final EventParser parser = new EventParser();

	@Test
	void conversationPushedHasEveryDocumentedField() throws Exception {
		ConversationPushed event = (ConversationPushed) fixture("v2.conversation.pushed.json");
		assertThat(event.eventId()).isEqualTo("0f0bb3af-5035-4ba3-b3fb-ff4879a3a74d");
		assertThat(event.eventType()).isEqualTo("v2.conversation.pushed");
		assertThat(event.platform()).isEqualTo(Platform.HA);
		assertThat(event.projectId()).isEqualTo(1549L);
		assertThat(event.clientId()).isEqualTo(335L);
		assertThat(event.conversationId()).isEqualTo("4c8c7408-f73c-42cd-89e9-afbbee7d9024");
		assertThat(event.operatorId()).isEqualTo(15253L);
		assertThat(event.visitorExternalId()).isEqualTo("63429889");
		assertThat(event.channel()).isEqualTo(Channel.CHAT);
		assertThat(event.visitorId()).isEqualTo("b05f1b45-c891-4a9c-b47e-91ee6c8ffb44");
		assertThat(event.createdAt()).isEqualTo(OffsetDateTime.parse("2019-04-12T07:58:35.171Z"));
		assertThat(event.sentAt()).isEqualTo(OffsetDateTime.parse("2019-04-12T07:58:35.496Z"));
	}

	@Test
	void conversationClosedListsItsOperators() throws Exception {
		ConversationClosed event = (ConversationClosed) fixture("v2.conversation.closed.json");
		assertThat(event.operatorIds()).containsExactly(15253L, 15254L);
		assertThat(event.conversationId()).isEqualTo("4c8c7408-f73c-42cd-89e9-afbbee7d9024");
		assertThat(event.channel()).isEqualTo(Channel.CHAT);
		assertThat(event.visitorExternalId()).isEqualTo("63429889");
	}

	@Test
	void userEventsCarryTheUserAndKeepTheirOffset() throws Exception {
		for (String type : List.of("created", "updated", "connected", "disconnected")) {
			UserEvent event = (UserEvent) fixture("user." + type + ".json");
			assertThat(event.eventType()).isEqualTo("user." + type);
			assertThat(event.userId()).isEqualTo(1L);
			assertThat(event.clientId()).isEqualTo(1L);
			assertThat(event.platform()).isEqualTo(Platform.SD);
			assertThat(event.createdAt().getOffset()).isEqualTo(ZoneOffset.ofHours(2));
			assertThat(event.createdAt().toInstant()).hasToString("2017-04-22T09:01:00Z");
		}
		assertThat(fixture("user.created.json")).isInstanceOf(UserCreated.class);
		assertThat(fixture("user.updated.json")).isInstanceOf(UserUpdated.class);
		assertThat(fixture("user.connected.json")).isInstanceOf(UserConnected.class);
		assertThat(fixture("user.disconnected.json")).isInstanceOf(UserDisconnected.class);
	}

	@Test
	void userAvailabilityUpdatedHasItsOwnType() throws Exception {
		String body = Fixtures.read("user.updated.json").replace("user.updated", "user.availability.updated");
		assertThat(parse(body)).isInstanceOfSatisfying(UserAvailabilityUpdated.class,
				(event) -> assertThat(event.userId()).isEqualTo(1L));
	}

	@Test
	void visitorUpdated() throws Exception {
		VisitorUpdated event = (VisitorUpdated) fixture("visitor.updated.json");
		assertThat(event.visitorId()).isEqualTo("593de0891b628a50b09835dc6c0e92565329c74baa90e");
		assertThat(event.operatorId()).isEqualTo(1L);
	}

	@Test
	void satisfactionAnswersCarryOneAnswerEach() throws Exception {
		SatisfactionAnswered csat = (SatisfactionAnswered) fixture("satisfaction.answered.customerSatisfaction.json");
		assertThat(csat.customerSatisfaction()).isEqualTo(3);
		assertThat(csat.netPromoterScore()).isNull();
		assertThat(csat.satisfactionComment()).isNull();
		assertThat(csat.conversationId()).isEqualTo("2d90a8a2-16df-45f5-897e-31adf9aa165d");
		assertThat(csat.projectId()).isEqualTo(3030L);
		SatisfactionAnswered nps = (SatisfactionAnswered) fixture("satisfaction.answered.netPromoterScore.json");
		assertThat(nps.netPromoterScore()).isEqualTo(3);
		assertThat(nps.customerSatisfaction()).isNull();
		SatisfactionAnswered comment = (SatisfactionAnswered) fixture(
				"satisfaction.answered.satisfactionComment.json");
		assertThat(comment.satisfactionComment()).isEqualTo("It was very helpful");
	}

	@Test
	void transactionAmountIsExact() throws Exception {
		TransactionAttributed event = (TransactionAttributed) fixture("transaction.attributed.json");
		assertThat(event.amount()).isEqualByComparingTo(new BigDecimal("300.20"));
		assertThat(event.amount().scale()).isEqualTo(2);
		assertThat(event.source()).isEqualTo(TransactionSource.ONSITE);
		assertThat(event.transactionId()).isEqualTo("1d94c3e8-8cbe-4e46-933d-0433ec339f79");
		assertThat(event.externalId()).isEqualTo("transaction-1");
		assertThat(event.receivedAt()).isEqualTo(OffsetDateTime.parse("2017-04-22T11:01:00+02:00"));
		assertThat(event.operatorId()).isEqualTo(15253L);
		assertThat(event.conversationId()).isEqualTo("2d90a8a2-16df-45f5-897e-31adf9aa165d");
	}

	@Test
	void deprecatedConversationEventsTolerateNumericIdsAndLowercaseChannels() throws Exception {
		LegacyConversationStarted started = (LegacyConversationStarted) fixture(
				"deprecated.conversation.started.json");
		assertThat(started.conversationId()).isEqualTo("1");
		assertThat(started.channel()).isEqualTo(Channel.CHAT);
		assertThat(started.websiteId()).isEqualTo(1L);
		LegacyConversationTransferred transferred = (LegacyConversationTransferred) fixture(
				"deprecated.conversation.transferred.json");
		assertThat(transferred.conversationId()).isEqualTo("2");
		assertThat(transferred.transferredConversationId()).isEqualTo("1");
		LegacyConversationClosed closed = (LegacyConversationClosed) fixture("deprecated.conversation.closed.json");
		assertThat(closed.conversationId()).isEqualTo("1");
		assertThat(closed.visitorId()).isEqualTo("593de0891b628a50b09835dc6c0e92565329c74baa90e");
	}

	@ParameterizedTest
	@MethodSource("io.relay.support.Fixtures#names")
	void everyFixtureParsesToAKnownType(String name) throws Exception {
		IAdvizeEvent event = fixture(name);
		assertThat(event).isNotInstanceOf(UnknownEvent.class);
		assertThat(EventParser.knownTypes()).contains(event.eventType());
		assertThat(name).contains(event.eventType());
	}

	@Test
	void unknownFieldsAndUnknownEnumValuesAreTolerated() throws Exception {
		String body = Fixtures.read("v2.conversation.pushed.json")
			.replace("\"CHAT\"", "\"HOLOGRAM\"")
			.replace("\"ha\"", "\"mars\"")
			.replace("{", "{\"brandNewField\": {\"nested\": [1, 2]},");
		ConversationPushed event = (ConversationPushed) parse(body);
		assertThat(event.channel()).isEqualTo(Channel.UNKNOWN);
		assertThat(event.platform()).isEqualTo(Platform.UNKNOWN);
	}

	@Test
	void unknownTypeBecomesAGenericEventWithAllItsFields() throws Exception {
		UnknownEvent event = (UnknownEvent) parse("""
				{"eventId": "e-1", "eventType": "hologram.beamed", "platform": "sd", "clientId": 7,
				 "createdAt": "not a date", "beam": {"power": 11}}""");
		assertThat(event.eventType()).isEqualTo("hologram.beamed");
		assertThat(event.eventId()).isEqualTo("e-1");
		assertThat(event.clientId()).isEqualTo(7L);
		assertThat(event.createdAt()).isNull();
		assertThat(event.attributes()).containsEntry("beam", Map.of("power", 11));
	}

	@Test
	@SuppressWarnings("unchecked")
	void aGenericEventCannotBeChangedAtAnyDepthSinceItsHandlersShareIt() throws Exception {
		UnknownEvent event = (UnknownEvent) parse("""
				{"eventId": "e-2", "eventType": "hologram.beamed", "beam": {"power": 11, "targets": [{"x": 1}, null]}}""");
		Map<String, Object> beam = (Map<String, Object>) event.attributes().get("beam");
		List<Object> targets = (List<Object>) beam.get("targets");
		assertThat(targets).hasSize(2).containsNull();
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> event.attributes().clear());
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> beam.put("power", 12));
		assertThatExceptionOfType(UnsupportedOperationException.class).isThrownBy(() -> targets.add("more"));
		assertThatExceptionOfType(UnsupportedOperationException.class)
			.isThrownBy(() -> ((Map<String, Object>) targets.get(0)).put("x", 2));
	}

	@Test
	void missingEventIdFallsBackToTheCorrelationId() throws Exception {
		IAdvizeEvent event = this.parser.parse(bytes("{\"eventType\": \"user.created\", \"userId\": 4}"),
				PayloadFormat.JSON, null, "correlation-1");
		assertThat(event.eventId()).isEqualTo("correlation-1");
	}

	@Test
	void missingEventIdWithoutCorrelationIdIsMalformed() {
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> parse("{\"eventType\": \"user.created\", \"userId\": 4}"))
			.withMessageContaining("'eventId' is missing");
	}

	@ParameterizedTest
	@CsvSource({ "a\\nb, U+000A", "a\\rb, U+000D", "a\\tb, U+0009", "a\\u001b[31m, U+001B", "a\\u0085b, U+0085",
			"a\\u2028b, U+2028", "a\\u200bb, U+200B", "a\\u202eb, U+202E", "a\\udb40\\udc01b, U+E0001" })
	void anIncomingEventIdWithAControlCharacterALineSeparatorOrAnInvisibleOneIsMalformed(String eventId, String named)
			throws Exception {
		// It names the event in log lines: a line break in it would forge one.
		byte[] body = bytes("{\"eventId\": \"" + eventId + "\", \"eventType\": \"user.created\", \"userId\": 4}");
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> this.parser.parseIncoming(body, PayloadFormat.JSON, null, null))
			.withMessage("'eventId' contains a control or invisible character (" + named + ")");
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> this.parser.parseIncoming(bytes("{\"eventType\": \"user.created\", \"userId\": 4}"),
					PayloadFormat.JSON, null, "correlation\u0001"))
			.withMessage("'eventId' contains a control or invisible character (U+0001)");
		// An event stored before the rule is read again as it was accepted, for its deliveries and replays.
		assertThat(this.parser.parse(body, PayloadFormat.JSON, null, null)).isInstanceOf(UserCreated.class);
	}

	@Test
	void anIncomingEventIdWithBytesNotValidInTheBodysEncodingIsMalformed() throws Exception {
		// Each decodes to U+FFFD: the two ids would be one, and the second event a "duplicate" never stored.
		for (String id : List.of("zz-%E8", "zz-%E9")) {
			byte[] form = bytes("eventId=" + id + "&eventType=user.created&userId=4");
			assertThatExceptionOfType(MalformedEventException.class)
				.isThrownBy(() -> this.parser.parseIncoming(form, PayloadFormat.FORM, StandardCharsets.UTF_8, null))
				.withMessage("'eventId' contains U+FFFD, the replacement for bytes that are not valid in the body's "
						+ "encoding");
		}
		byte[] ascii = "{\"eventId\": \"asc-\u00e9\", \"eventType\": \"user.created\", \"userId\": 4}"
			.getBytes(StandardCharsets.ISO_8859_1);
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> this.parser.parseIncoming(ascii, PayloadFormat.JSON, StandardCharsets.US_ASCII, null))
			.withMessageStartingWith("'eventId' contains U+FFFD");
	}

	@Test
	void anIncomingEventIdOfNoBreakSpacesIsBlank() {
		byte[] body = bytes("{\"eventId\": \"\u00a0\u2007\", \"eventType\": \"user.created\", \"userId\": 4}");
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> this.parser.parseIncoming(body, PayloadFormat.JSON, null, "correlation-1"))
			.withMessage("'eventId' must be one non-blank value");
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> this.parser.parseIncoming(bytes("{\"eventType\": \"user.created\", \"userId\": 4}"),
					PayloadFormat.JSON, null, "\u00a0"))
			.withMessage("'eventId' is missing and the X-iAdvize-CorrelationId header that would stand in for it is "
					+ "blank");
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> this.parser.parseIncoming(bytes("{\"eventType\": \"user.created\", \"userId\": 4}"),
					PayloadFormat.JSON, null, "  "))
			.withMessage("'eventId' is missing and the X-iAdvize-CorrelationId header that would stand in for it is "
					+ "blank");
	}

	@Test
	void anEventIdThatIsPresentButNotOneValueIsMalformedInsteadOfReplacedByTheCorrelationId() {
		// The correlation id is an unsigned header: standing in for a blank or repeated eventId, a replay of these
		// signed bytes with a new header would be a new event every time.
		for (String body : List.of("{\"eventId\": \"\", \"eventType\": \"user.created\", \"userId\": 4}",
				"{\"eventId\": [\"a\", \"b\"], \"eventType\": \"user.created\", \"userId\": 4}")) {
			assertThatExceptionOfType(MalformedEventException.class)
				.isThrownBy(() -> this.parser.parse(bytes(body), PayloadFormat.JSON, null, "correlation-1"))
				.withMessage("'eventId' must be one non-blank value");
		}
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> this.parser.parse(bytes("eventId=a&eventId=b&eventType=user.created&userId=4"),
					PayloadFormat.FORM, null, "correlation-1"))
			.withMessage("'eventId' must be one non-blank value");
	}

	@Test
	void nullElementsOfAListAreLeftOut() throws Exception {
		String body = Fixtures.read("v2.conversation.closed.json").replace("\"operatorIds\": [", "\"operatorIds\": [null,");
		ConversationClosed event = (ConversationClosed) parse(body);
		assertThat(event.operatorIds()).containsExactly(15253L, 15254L);
	}

	@Test
	void aUserAvailabilityUpdateWithoutAUserIdIsAcceptedButOtherUserEventsNeedOne() throws Exception {
		// iAdvize documents no payload for it: a user named otherwise must not get it refused (and lost).
		String availability = "{\"eventId\": \"a-1\", \"eventType\": \"user.availability.updated\", "
				+ "\"platform\": \"sd\", \"operatorId\": 7}";
		assertThat(parse(availability)).isInstanceOfSatisfying(UserAvailabilityUpdated.class,
				(event) -> assertThat(event.userId()).isNull());
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> parse("{\"eventId\": \"c-1\", \"eventType\": \"user.created\", \"platform\": \"sd\"}"))
			.withMessageContaining("'userId' is required");
	}

	@Test
	void aUserAvailabilityUpdateWithFieldsOfOtherTypesIsAcceptedWithThoseFieldsLeftOut() throws Exception {
		String availability = "{\"eventId\": \"a-2\", \"eventType\": \"user.availability.updated\", "
				+ "\"platform\": \"ha\", \"clientId\": 1, \"userId\": \"7c9e6679-7425-40de-944b-e07fc1f90ae7\", "
				+ "\"createdAt\": \"2026-11-25T10:00:00\", \"sentAt\": \"2026-11-25T10:00:01+01:00\"}";
		assertThat(parse(availability)).isInstanceOfSatisfying(UserAvailabilityUpdated.class, (event) -> {
			assertThat(event.eventId()).isEqualTo("a-2");
			assertThat(event.platform()).isEqualTo(Platform.HA);
			assertThat(event.clientId()).isEqualTo(1L);
			assertThat(event.userId()).as("a UUID").isNull();
			assertThat(event.createdAt()).as("no offset").isNull();
			assertThat(event.sentAt()).isEqualTo(OffsetDateTime.parse("2026-11-25T10:00:01+01:00"));
		});
		assertThat(parse(availability.replace("\"7c9e6679-7425-40de-944b-e07fc1f90ae7\"", "{\"id\": 1}")))
			.isInstanceOfSatisfying(UserAvailabilityUpdated.class, (event) -> assertThat(event.userId()).isNull());
		assertThat(parse(availability.replace("\"7c9e6679-7425-40de-944b-e07fc1f90ae7\"", "\"42\"")))
			.isInstanceOfSatisfying(UserAvailabilityUpdated.class, (event) -> assertThat(event.userId()).isEqualTo(42L));
	}

	@Test
	void anEventIdWithAnUnpairedSurrogateIsMalformed() throws Exception {
		// PostgreSQL's driver would store both as "?": one event, the second answered as a duplicate of the first.
		for (String id : List.of("\\ud800", "a\\udbffb", "\\udc00")) {
			assertThatExceptionOfType(MalformedEventException.class)
				.isThrownBy(() -> parse("{\"eventId\": \"" + id + "\", \"eventType\": \"brand.new\"}"))
				.withMessage("'eventId' is not valid Unicode (it has an unpaired surrogate)");
		}
		// A pair is a character like any other.
		assertThat(parse("{\"eventId\": \"\\ud83d\\ude00\", \"eventType\": \"brand.new\"}").eventId())
			.isEqualTo("\uD83D\uDE00");
	}

	@Test
	void missingEventTypeIsMalformed() {
		assertThatExceptionOfType(MalformedEventException.class).isThrownBy(() -> parse("{\"eventId\": \"x\"}"))
			.withMessage("'eventType' is missing");
	}

	@Test
	void invalidJsonIsMalformed() {
		assertThatExceptionOfType(MalformedEventException.class).isThrownBy(() -> parse("{\"eventId\": "))
			.withMessageStartingWith("the body is not valid JSON");
		assertThatExceptionOfType(MalformedEventException.class).isThrownBy(() -> parse("[1, 2]"))
			.withMessage("the body must be a JSON object, not an array");
	}

	@ParameterizedTest
	@ValueSource(strings = { "{\"eventId\": \"q\", \"eventType\": \"user.created\"", "{\"eventId\": \"unterminated",
			"{\"eventId\": ", "{\"eventId\": \"q\",, }", "{\"eventId\": tru}", "{\"a\": [1, 2}" })
	void invalidJsonIsToldWithoutTheParsersInternals(String body) {
		assertThatExceptionOfType(MalformedEventException.class).isThrownBy(() -> parse(body))
			.withMessageStartingWith("the body is not valid JSON: ")
			.satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain("Source", "REDACTED", "#UNKNOWN",
					"StreamReadFeature", "byte offset"));
	}

	@Test
	void wrongFieldTypeOfAKnownEventIsMalformedAndSaysWhere() {
		String body = Fixtures.read("v2.conversation.closed.json").replace("\"operatorIds\": [", "\"operatorIds\": [\"x\",");
		assertThatExceptionOfType(MalformedEventException.class).isThrownBy(() -> parse(body))
			.withMessageStartingWith("not a valid 'v2.conversation.closed' event")
			.withMessageContaining("operatorIds");
	}

	@Test
	void aNumberWithAFractionInAWholeNumberFieldIsMalformedInsteadOfTruncated() {
		// Jackson's default would count this CSAT answer as 4; the string "4.6" was already refused.
		String score = "{\"eventId\": \"s-1\", \"eventType\": \"satisfaction.answered\", \"customerSatisfaction\": 4.6}";
		assertThatExceptionOfType(MalformedEventException.class).isThrownBy(() -> parse(score))
			.withMessageStartingWith("not a valid 'satisfaction.answered' event")
			.withMessageContaining("4.6")
			.withMessageContaining("a whole number is expected")
			.withMessageEndingWith("(at 'customerSatisfaction')");
		String id = Fixtures.read("v2.conversation.closed.json").replace("\"operatorIds\": [", "\"operatorIds\": [7.5,");
		assertThatExceptionOfType(MalformedEventException.class).isThrownBy(() -> parse(id))
			.withMessageContaining("(at 'operatorIds[0]')");
		String project = "{\"eventId\": \"u-1\", \"eventType\": \"user.created\", \"userId\": 4, \"clientId\": 0.001}";
		assertThatExceptionOfType(MalformedEventException.class).isThrownBy(() -> parse(project))
			.withMessageContaining("(at 'clientId')");
	}

	@Test
	void aWholeNumberSpelledWithAFractionOrAnExponentIsRead() throws Exception {
		String body = "{\"eventId\": \"s-2\", \"eventType\": \"satisfaction.answered\", \"customerSatisfaction\": 4.0, "
				+ "\"netPromoterScore\": 1e1, \"projectId\": 3030.000, \"clientId\": -0.0}";
		SatisfactionAnswered event = (SatisfactionAnswered) parse(body);
		assertThat(event.customerSatisfaction()).isEqualTo(4);
		assertThat(event.netPromoterScore()).isEqualTo(10);
		assertThat(event.projectId()).isEqualTo(3030L);
		assertThat(event.clientId()).isZero();
		assertThatExceptionOfType(MalformedEventException.class)
			.isThrownBy(() -> parse(body.replace("1e1", "1e10")))
			.withMessageContaining("(at 'netPromoterScore')");
	}

	@Test
	void aJsonDocumentLabelledAsAFormIsReadAsJson() throws Exception {
		String json = "\n " + Fixtures.read("v2.conversation.closed.json");
		ConversationClosed event = (ConversationClosed) this.parser.parse(bytes(json), PayloadFormat.FORM, null, null);
		assertThat(event.eventId()).isEqualTo("0f0bb3af-5035-4ba3-b3fb-ff4879a3a74d");
		assertThat(event.operatorIds()).containsExactly(15253L, 15254L);
		assertThatExceptionOfType(MalformedEventException.class).as("still JSON's rules: a broken one is malformed")
			.isThrownBy(() -> this.parser.parse(bytes("{\"eventId\": \"x\", "), PayloadFormat.FORM, null, null));
	}

	@Test
	void aWholeNumberSpelledWithAFractionIsReadFromAFormsTextAsFromJson() throws Exception {
		String form = "eventId=s-3&eventType=satisfaction.answered&customerSatisfaction=4.0&netPromoterScore=1e1"
				+ "&projectId=+3030.000+&clientId=7";
		SatisfactionAnswered event = (SatisfactionAnswered) this.parser.parse(bytes(form), PayloadFormat.FORM, null,
				null);
		assertThat(event.customerSatisfaction()).isEqualTo(4);
		assertThat(event.netPromoterScore()).isEqualTo(10);
		assertThat(event.projectId()).isEqualTo(3030L);
		assertThat(event.clientId()).isEqualTo(7L);
		for (String refused : List.of("4.6", "1e10", "1e999999999", "9.3e18")) {
			assertThatExceptionOfType(MalformedEventException.class).as(refused)
				.isThrownBy(() -> this.parser.parse(bytes(form.replace("customerSatisfaction=4.0",
						"customerSatisfaction=" + refused)), PayloadFormat.FORM, null, null))
				.withMessageContaining("(at 'customerSatisfaction')");
		}
		assertThatExceptionOfType(MalformedEventException.class).as("too large for a Long")
			.isThrownBy(() -> this.parser.parse(bytes(form.replace("projectId=+3030.000+", "projectId=9.3e18")),
					PayloadFormat.FORM, null, null))
			.withMessageContaining("(at 'projectId')");
		assertThat(((SatisfactionAnswered) parse("{\"eventId\": \"s-4\", \"eventType\": \"satisfaction.answered\", "
				+ "\"customerSatisfaction\": \"5.00\"}")).customerSatisfaction()).as("a JSON string too").isEqualTo(5);
	}

	@Test
	void anUnknownEventWithAFractionalClientIdIsStillAcceptedWithoutIt() throws Exception {
		UnknownEvent event = (UnknownEvent) parse(
				"{\"eventId\": \"n-1\", \"eventType\": \"brand.new\", \"clientId\": 4.6, \"projectId\": 2}");
		assertThat(event.clientId()).isNull();
		assertThat(event.attributes()).containsEntry("clientId", new BigDecimal("4.6"));
	}

	@Test
	void missingRequiredFieldOfAKnownEventIsMalformed() {
		String body = "{\"eventId\": \"e\", \"eventType\": \"v2.conversation.pushed\", \"channel\": \"CHAT\"}";
		assertThatExceptionOfType(MalformedEventException.class).isThrownBy(() -> parse(body))
			.withMessageContaining("'conversationId' is required");
	}

	@Test
	void formFieldsMapOntoTheSameEvent() throws Exception {
		String form = "eventId=f-1&eventType=v2.conversation.closed&platform=sd&projectId=3030"
				+ "&conversationId=c-1&operatorIds%5B%5D=5&operatorIds%5B%5D=6&channel=SMS&visitorId=v+1"
				+ "&createdAt=2019-04-12T07%3A58%3A35.171Z";
		ConversationClosed event = (ConversationClosed) this.parser.parse(bytes(form), PayloadFormat.FORM, null, null);
		assertThat(event.eventId()).isEqualTo("f-1");
		assertThat(event.projectId()).isEqualTo(3030L);
		assertThat(event.operatorIds()).containsExactly(5L, 6L);
		assertThat(event.channel()).isEqualTo(Channel.SMS);
		assertThat(event.visitorId()).isEqualTo("v 1");
		assertThat(event.createdAt()).isEqualTo(OffsetDateTime.parse("2019-04-12T07:58:35.171Z"));
	}

	@Test
	void aFormListMayHaveOneValueNoneOrIndexes() throws Exception {
		String form = "eventId=f-3&eventType=v2.conversation.closed&conversationId=c-1&channel=CHAT";
		assertThat(closed(form + "&operatorIds=15253").operatorIds()).containsExactly(15253L);
		assertThat(closed(form + "&operatorIds=").operatorIds()).isEmpty();
		// PHP's http_build_query, in any order; the indexes order the list.
		assertThat(closed(form + "&operatorIds%5B1%5D=6&operatorIds%5B0%5D=5&operatorIds%5B10%5D=7").operatorIds())
			.containsExactly(5L, 6L, 7L);
		assertThat(closed(form + "&operatorIds%5B0%5D=5").operatorIds()).containsExactly(5L);
		assertThat(closed(form + "&operatorIds%5B1%5D=7&operatorIds%5B0%5D=5&operatorIds%5B0%5D=6").operatorIds())
			.as("a repeated index keeps both").containsExactly(5L, 6L, 7L);
		// The same in JSON: one id for a list of one.
		String json = Fixtures.read("v2.conversation.closed.json").replaceFirst("\"operatorIds\": \\[[^]]*]",
				"\"operatorIds\": 15253");
		assertThat(((ConversationClosed) parse(json)).operatorIds()).containsExactly(15253L);
	}

	private ConversationClosed closed(String form) throws MalformedEventException {
		return (ConversationClosed) this.parser.parse(bytes(form), PayloadFormat.FORM, null, null);
	}

	@Test
	void formWithTheJsonDocumentInOneFieldIsReadAsJson() throws Exception {
		String json = Fixtures.read("satisfaction.answered.netPromoterScore.json");
		String form = "payload=" + java.net.URLEncoder.encode(json, StandardCharsets.UTF_8);
		SatisfactionAnswered event = (SatisfactionAnswered) this.parser.parse(bytes(form), PayloadFormat.FORM, null,
				null);
		assertThat(event.netPromoterScore()).isEqualTo(3);
	}

	@Test
	void formBytesInvalidInTheirCharsetBecomeReplacementCharactersAndTheEventIsKept() throws Exception {
		// Latin-1 'é' (%E9) in a body read as UTF-8: refusing it would lose the event; the stored body keeps the bytes.
		String form = "eventId=f-2&eventType=satisfaction.answered&satisfactionComment=tr%E8s+bien";
		SatisfactionAnswered event = (SatisfactionAnswered) this.parser.parse(bytes(form), PayloadFormat.FORM, null,
				null);
		assertThat(event.satisfactionComment()).isEqualTo("tr\uFFFDs bien");
		SatisfactionAnswered declared = (SatisfactionAnswered) this.parser.parse(bytes(form), PayloadFormat.FORM,
				StandardCharsets.ISO_8859_1, null);
		assertThat(declared.satisfactionComment()).isEqualTo("très bien");
	}

	@Test
	void jsonInANonUtfCharsetIsDecodedAsDeclared() throws Exception {
		String body = "{\"eventId\": \"l-1\", \"eventType\": \"satisfaction.answered\", \"satisfactionComment\": \"très bien\"}";
		SatisfactionAnswered event = (SatisfactionAnswered) this.parser.parse(
				body.getBytes(StandardCharsets.ISO_8859_1), PayloadFormat.JSON, StandardCharsets.ISO_8859_1, null);
		assertThat(event.satisfactionComment()).isEqualTo("très bien");
	}

	@Test
	void jsonThatIsUtf8IsReadAsUtf8WhateverCharsetItIsLabelledWith() throws Exception {
		// RFC 8259: JSON is UTF-8, a charset parameter has no effect. Clients often label it ISO-8859-1 by default.
		String body = "{\"eventId\": \"u-1\", \"eventType\": \"satisfaction.answered\", "
				+ "\"satisfactionComment\": \"très utile €\"}";
		assertThat(EventParser.readingCharset(bytes(body), PayloadFormat.JSON, StandardCharsets.ISO_8859_1))
			.isEqualTo(StandardCharsets.UTF_8);
		assertThat(EventParser.readingCharset(bytes(body), PayloadFormat.FORM, StandardCharsets.ISO_8859_1))
			.isEqualTo(StandardCharsets.UTF_8);
		byte[] withMark = ("\uFEFF" + body).getBytes(StandardCharsets.UTF_8);
		assertThat(EventParser.readingCharset(withMark, PayloadFormat.JSON, StandardCharsets.ISO_8859_1))
			.isEqualTo(StandardCharsets.UTF_8);
		assertThat(((SatisfactionAnswered) this.parser.parse(withMark, PayloadFormat.JSON, StandardCharsets.UTF_8,
				null)).satisfactionComment()).isEqualTo("très utile €");
		// JSON sent as a form, with a byte order mark: still read as the JSON it is.
		assertThat(((SatisfactionAnswered) this.parser.parse(withMark, PayloadFormat.FORM, null, null))
			.satisfactionComment()).isEqualTo("très utile €");
		// Latin-1 as labelled (not valid UTF-8), forms, and no charset or a UTF one: as named.
		byte[] latin1 = body.getBytes(StandardCharsets.ISO_8859_1);
		assertThat(EventParser.readingCharset(latin1, PayloadFormat.JSON, StandardCharsets.ISO_8859_1))
			.isEqualTo(StandardCharsets.ISO_8859_1);
		assertThat(EventParser.readingCharset(bytes("eventId=f-1&eventType=x"), PayloadFormat.FORM,
				StandardCharsets.ISO_8859_1)).isEqualTo(StandardCharsets.ISO_8859_1);
		assertThat(EventParser.readingCharset(bytes(body), PayloadFormat.JSON, null)).isNull();
		assertThat(EventParser.readingCharset(bytes(body), PayloadFormat.JSON, StandardCharsets.UTF_16))
			.isEqualTo(StandardCharsets.UTF_16);
	}

	private IAdvizeEvent fixture(String name) throws MalformedEventException {
		return parse(Fixtures.read(name));
	}

	private IAdvizeEvent parse(String json) throws MalformedEventException {
		return this.parser.parse(bytes(json), PayloadFormat.JSON, null, null);
	}

	private static byte[] bytes(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

}
