package io.relay.event;

import java.math.BigInteger;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.type.LogicalType;

/**
 * Reads the body of a verified webhook delivery into an {@link IAdvizeEvent}.
 * <p>
 * The parser owns its own {@link JsonMapper} so that the rules for reading iAdvize payloads (unknown fields
 * ignored, offsets kept, numbers as sent, no fraction dropped from a whole number) do not change when an operator
 * tunes {@code spring.jackson.*} for the admin API.
 * <p>
 * Form-encoded bodies map onto the same model: either a single field ({@code payload}, {@code json} or
 * {@code data}) that holds the JSON document, or one field per top-level JSON property, where a repeated name, a
 * name ending in {@code []} (such as {@code operatorIds[]=1&operatorIds[]=2}) or names with indexes (PHP's
 * {@code operatorIds[0]=1&operatorIds[1]=2}) make a list. A list field sent as one value is a list of one, sent
 * empty an empty list.
 */
public final class EventParser {

	/**
	 * A location inside a parser message, with the words that introduce it: {@code (start marker at [Source: ...])},
	 * {@code (for Array starting at [Source: ...])}.
	 */
	private static final String BLANK_CORRELATION = "'eventId' is missing and the X-iAdvize-CorrelationId header "
			+ "that would stand in for it is blank";

	private static final Pattern PARSER_LOCATION = Pattern.compile(
			"\\s*(?:\\((?:start marker at|for \\w+ starting at) \\[Source: [^\\]]*\\]\\)|\\[Source: [^\\]]*\\])");

	/** The longest event id stored; iAdvize's are UUIDs (36 characters). */
	public static final int MAX_ID_LENGTH = 255;

	private static final Set<String> FORM_JSON_FIELDS = Set.of("payload", "json", "data");

	private static final Pattern INDEXED_FIELD = Pattern.compile("(.+)\\[(\\d+)]");

	private static final Map<String, Class<? extends IAdvizeEvent>> TYPES = Map.ofEntries(
			Map.entry(ConversationPushed.TYPE, ConversationPushed.class),
			Map.entry(ConversationClosed.TYPE, ConversationClosed.class),
			Map.entry(UserCreated.TYPE, UserCreated.class), Map.entry(UserUpdated.TYPE, UserUpdated.class),
			Map.entry(UserConnected.TYPE, UserConnected.class),
			Map.entry(UserDisconnected.TYPE, UserDisconnected.class),
			Map.entry(UserAvailabilityUpdated.TYPE, UserAvailabilityUpdated.class),
			Map.entry(VisitorUpdated.TYPE, VisitorUpdated.class),
			Map.entry(SatisfactionAnswered.TYPE, SatisfactionAnswered.class),
			Map.entry(TransactionAttributed.TYPE, TransactionAttributed.class),
			Map.entry(LegacyConversationStarted.TYPE, LegacyConversationStarted.class),
			Map.entry(LegacyConversationTransferred.TYPE, LegacyConversationTransferred.class),
			Map.entry(LegacyConversationClosed.TYPE, LegacyConversationClosed.class));

	private final JsonMapper mapper = JsonMapper.builder()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.disable(DateTimeFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
		.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
		.addModule(WholeNumbers.module())
		// A list of one may come as one value (a form's operatorIds=5), an empty one as an empty string.
		.enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
		.withCoercionConfig(LogicalType.Collection,
				(config) -> config.setCoercion(CoercionInputShape.EmptyString, CoercionAction.AsEmpty))
		.build();

	/** The event types that have a record of their own. */
	public static Set<String> knownTypes() {
		return TYPES.keySet();
	}

	/**
	 * Parses a body.
	 * @param body the bytes exactly as received
	 * @param format how they are encoded
	 * @param charset the charset named by the request, or {@code null} when none was
	 * @param fallbackEventId used when the body has no {@code eventId} (iAdvize's correlation id), or {@code null}
	 * @return the typed event, or an {@link UnknownEvent} for an unknown type
	 * @throws MalformedEventException when the body is not an event
	 */
	public IAdvizeEvent parse(byte[] body, PayloadFormat format, @Nullable Charset charset,
			@Nullable String fallbackEventId) throws MalformedEventException {
		return parse(body, format, charset, fallbackEventId, false);
	}

	/**
	 * {@link #parse} of a delivery being received, which also refuses an {@code eventId} with a control character
	 * or a line separator (it would break the log lines that name the event). Not of an event stored before that
	 * rule: it is read again as it was accepted.
	 */
	public IAdvizeEvent parseIncoming(byte[] body, PayloadFormat format, @Nullable Charset charset,
			@Nullable String fallbackEventId) throws MalformedEventException {
		return parse(body, format, charset, fallbackEventId, true);
	}

	private IAdvizeEvent parse(byte[] body, PayloadFormat format, @Nullable Charset charset,
			@Nullable String fallbackEventId, boolean incoming) throws MalformedEventException {
		ObjectNode node = switch (format) {
			case JSON -> readJsonObject(body, charset);
			// A JSON document labelled as a form (senders do that): no form's first field name starts with '{', and
			// read as a form it would be one field named after the whole document, refused and lost.
			case FORM -> startsLikeAJsonObject(body) ? readJsonObject(body, charset)
					: readForm(body, (charset != null) ? charset : StandardCharsets.UTF_8);
		};
		String eventType = text(node, "eventType");
		if (eventType == null) {
			throw new MalformedEventException("'eventType' is missing");
		}
		String eventId;
		JsonNode eventIdNode = node.get("eventId");
		if (eventIdNode == null || eventIdNode.isNull()) {
			if (fallbackEventId == null) {
				throw new MalformedEventException("'eventId' is missing and there is no X-iAdvize-CorrelationId header");
			}
			if (fallbackEventId.isBlank()) {
				throw new MalformedEventException(BLANK_CORRELATION);
			}
			eventId = fallbackEventId;
			node.put("eventId", eventId);
		}
		else if (!eventIdNode.isValueNode() || eventIdNode.asString().isBlank()) {
			// Present but not one id (blank, a list; a form's repeated field): the unsigned correlation header must
			// not stand in for it, or a replay of these signed bytes with a new header would be a new event each time.
			throw new MalformedEventException("'eventId' must be one non-blank value");
		}
		else {
			eventId = eventIdNode.asString();
		}
		if (eventId.length() > MAX_ID_LENGTH) {
			throw new MalformedEventException((eventIdNode == null || eventIdNode.isNull())
					? "'eventId' is missing and the X-iAdvize-CorrelationId header that would stand in for it is "
							+ "longer than " + MAX_ID_LENGTH + " characters"
					: "'eventId' is longer than " + MAX_ID_LENGTH + " characters");
		}
		if (eventId.indexOf('\0') >= 0) {
			// The deduplication key: PostgreSQL cannot store it, and changing it could merge two events.
			throw new MalformedEventException("'eventId' contains a NUL character (U+0000)");
		}
		int control = incoming ? firstControl(eventId) : -1;
		if (control >= 0) {
			// It would break the log lines that name the event (iAdvize's ids are UUIDs): quarantined, as the rest of
			// the malformed.
			throw new MalformedEventException("'eventId' contains a control or invisible character (U+"
					+ String.format(Locale.ROOT, "%04X", control) + ")");
		}
		if (incoming && eventId.indexOf('\uFFFD') >= 0) {
			// What bytes that are not valid in the body's encoding decode to: two different ids could become one, and
			// the second event would be answered as a duplicate of the first, its body never stored.
			throw new MalformedEventException("'eventId' contains U+FFFD, the replacement for bytes that are not valid "
					+ "in the body's encoding");
		}
		if (incoming && eventId.codePoints().allMatch((c) -> Character.isWhitespace(c) || Character.isSpaceChar(c))) {
			// A no-break space (U+00A0) is not blank to String.isBlank, and looks blank everywhere it is shown.
			throw new MalformedEventException((eventIdNode == null || eventIdNode.isNull()) ? BLANK_CORRELATION
					: "'eventId' must be one non-blank value");
		}
		if (hasUnpairedSurrogate(eventId)) {
			// An unpaired surrogate (a JSON escape such as \ud800): PostgreSQL's driver stores it as '?', so two such
			// ids, or such an id and "?", would be one event, and the first delivery would be answered as a duplicate.
			throw new MalformedEventException("'eventId' is not valid Unicode (it has an unpaired surrogate)");
		}
		Class<? extends IAdvizeEvent> type = TYPES.get(eventType);
		try {
			if (type == UserAvailabilityUpdated.class) {
				return availability(node);
			}
			return (type != null) ? this.mapper.treeToValue(node, type) : unknown(node, eventType);
		}
		catch (JacksonException ex) {
			throw new MalformedEventException("not a valid '" + eventType + "' event: " + describe(ex));
		}
	}

	/**
	 * The first control character, line separator or invisible formatting character (a zero-width space, a
	 * right-to-left override: an id that does not read as it is) in {@code text}, or -1 (a loop: once per event
	 * received).
	 */
	private static int firstControl(String text) {
		for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
			// By code point: the tag characters (U+E0001...), invisible too, lie beyond the first 65,536.
			int c = text.codePointAt(i);
			int type = Character.getType(c);
			if (type == Character.CONTROL || type == Character.FORMAT || c == '\u2028' || c == '\u2029') {
				return c;
			}
		}
		return -1;
	}

	private static boolean hasUnpairedSurrogate(String text) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
				i++;
			}
			else if (Character.isSurrogate(c)) {
				return true;
			}
		}
		return false;
	}

	private ObjectNode readJsonObject(byte[] body, @Nullable Charset charset) throws MalformedEventException {
		JsonNode node;
		try {
			// Jackson detects the UTF encodings itself; anything else must be decoded as said (see readingCharset).
			node = (charset == null || charset.name().startsWith("UTF")) ? this.mapper.readTree(body)
					: this.mapper.readTree(new String(body, charset));
		}
		catch (JacksonException ex) {
			throw new MalformedEventException("the body is not valid JSON: " + describe(ex));
		}
		if (node instanceof ObjectNode object) {
			return object;
		}
		throw new MalformedEventException("the body must be a JSON object, not " + describeKind(node));
	}

	private ObjectNode readForm(byte[] body, Charset charset) throws MalformedEventException {
		Map<String, List<String>> fields = new LinkedHashMap<>();
		Set<String> listFields = new HashSet<>();
		Map<String, TreeMap<BigInteger, List<String>>> indexedFields = new LinkedHashMap<>();
		String text = new String(body, charset);
		for (String pair : text.split("&")) {
			if (pair.isEmpty()) {
				continue;
			}
			int eq = pair.indexOf('=');
			String name;
			String value;
			try {
				name = URLDecoder.decode((eq >= 0) ? pair.substring(0, eq) : pair, charset);
				value = (eq >= 0) ? URLDecoder.decode(pair.substring(eq + 1), charset) : "";
			}
			catch (IllegalArgumentException ex) {
				throw new MalformedEventException("the form body is not valid URL encoding: " + ex.getMessage());
			}
			if (name.endsWith("[]")) {
				name = name.substring(0, name.length() - 2);
				listFields.add(name);
			}
			else {
				Matcher indexed = INDEXED_FIELD.matcher(name);
				if (indexed.matches()) {
					// PHP's http_build_query writes operatorIds[0]=5&operatorIds[1]=6: a list, in the order of
					// its indexes.
					name = indexed.group(1);
					listFields.add(name);
					indexedFields.computeIfAbsent(name, (key) -> new TreeMap<>())
						.computeIfAbsent(new BigInteger(indexed.group(2)), (index) -> new ArrayList<>())
						.add(value);
					continue;
				}
			}
			fields.computeIfAbsent(name, (key) -> new ArrayList<>()).add(value);
		}
		// A repeated index keeps both values, in the order sent: nothing signed is dropped.
		indexedFields.forEach((name, values) -> values.values()
			.forEach((atIndex) -> fields.computeIfAbsent(name, (key) -> new ArrayList<>()).addAll(atIndex)));
		if (fields.size() == 1) {
			Map.Entry<String, List<String>> only = fields.entrySet().iterator().next();
			if (FORM_JSON_FIELDS.contains(only.getKey()) && only.getValue().size() == 1) {
				return readJsonObject(only.getValue().getFirst().getBytes(StandardCharsets.UTF_8),
						StandardCharsets.UTF_8);
			}
		}
		ObjectNode node = this.mapper.createObjectNode();
		fields.forEach((name, values) -> {
			if (values.size() == 1 && !listFields.contains(name)) {
				node.put(name, values.getFirst());
			}
			else {
				ArrayNode array = node.putArray(name);
				values.forEach(array::add);
			}
		});
		return node;
	}

	private static boolean startsLikeAJsonObject(byte[] body) {
		// After a UTF-8 byte order mark, if any (Jackson skips it too).
		int from = (body.length >= 3 && body[0] == (byte) 0xEF && body[1] == (byte) 0xBB && body[2] == (byte) 0xBF) ? 3
				: 0;
		for (int i = from; i < body.length; i++) {
			byte b = body[i];
			if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
				return b == '{';
			}
		}
		return false;
	}

	/**
	 * The charset to read a delivery's body with, given the one its Content-Type names: that one, except for JSON
	 * (labelled so, or as a form) that names a charset other than a UTF one while its bytes are valid UTF-8, which is
	 * read as UTF-8. JSON is UTF-8 (RFC 8259: a charset parameter has no effect), and HTTP clients often label it
	 * ISO-8859-1 by default; a body in Latin-1 as labelled is not valid UTF-8 (but for the rarest of texts). Stored
	 * with the event in place of the named one, so that its every reading (dispatch, replays) agrees with the intake's.
	 */
	public static @Nullable Charset readingCharset(byte[] body, PayloadFormat format, @Nullable Charset named) {
		if (named == null || named.name().startsWith("UTF")
				|| (format == PayloadFormat.FORM && !startsLikeAJsonObject(body)) || !isUtf8(body)) {
			return named;
		}
		return StandardCharsets.UTF_8;
	}

	private static boolean isUtf8(byte[] body) {
		try {
			StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(body));
			return true;
		}
		catch (CharacterCodingException ex) {
			return false;
		}
	}

	@SuppressWarnings("unchecked")
	private UnknownEvent unknown(ObjectNode node, String eventType) {
		// Never refuse an unknown type over a field it happens to share with the known ones: read them leniently.
		return new UnknownEvent(text(node, "eventId"), eventType, Platform.fromValue(text(node, "platform")),
				lenient(node, "clientId", Long.class), lenient(node, "createdAt", java.time.OffsetDateTime.class),
				lenient(node, "sentAt", java.time.OffsetDateTime.class), this.mapper.treeToValue(node, Map.class));
	}

	/**
	 * iAdvize lists {@code user.availability.updated} without a payload: its fields are read as leniently as an
	 * unknown event's, so that one shaped otherwise (a user id that is a UUID, a time without an offset) is stored
	 * and dispatched with that field {@code null}, not refused.
	 */
	private UserAvailabilityUpdated availability(ObjectNode node) {
		return new UserAvailabilityUpdated(text(node, "eventId"), Platform.fromValue(text(node, "platform")),
				lenient(node, "clientId", Long.class), lenient(node, "userId", Long.class),
				lenient(node, "createdAt", java.time.OffsetDateTime.class),
				lenient(node, "sentAt", java.time.OffsetDateTime.class));
	}

	private <T> @Nullable T lenient(ObjectNode node, String field, Class<T> type) {
		JsonNode value = node.get(field);
		if (value == null || value.isNull()) {
			return null;
		}
		try {
			return this.mapper.treeToValue(value, type);
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static @Nullable String text(JsonNode node, String field) {
		JsonNode value = node.get(field);
		if (value == null || !value.isValueNode() || value.isNull()) {
			return null;
		}
		String text = value.asString();
		return text.isBlank() ? null : text;
	}

	private static String describe(JacksonException ex) {
		// The original message without Jackson's location suffix, and a JSON-style path without Java class names.
		// Some messages carry a location of their own ("start marker at [Source: REDACTED ...; byte offset: ...]"),
		// which tells the sender nothing but how Relay's parser is set up.
		String message = PARSER_LOCATION.matcher(ex.getOriginalMessage()).replaceAll("");
		StringBuilder path = new StringBuilder();
		for (JacksonException.Reference reference : ex.getPath()) {
			if (reference.getPropertyName() != null) {
				path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				path.append('[').append(reference.getIndex()).append(']');
			}
		}
		return path.isEmpty() ? message : message + " (at '" + path + "')";
	}

	private static String describeKind(JsonNode node) {
		return switch (node.getNodeType()) {
			case ARRAY -> "an array";
			case STRING -> "a string";
			case NUMBER -> "a number";
			case BOOLEAN -> "a boolean";
			case NULL, MISSING -> "null";
			default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
		};
	}

}
