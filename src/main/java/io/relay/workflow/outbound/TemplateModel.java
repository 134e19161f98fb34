package io.relay.workflow.outbound;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import io.relay.dispatch.Delivery;
import io.relay.event.Channel;
import io.relay.event.ConversationClosed;
import io.relay.event.ConversationEvent;
import io.relay.event.IAdvizeEvent;
import io.relay.event.Platform;
import io.relay.event.SatisfactionAnswered;
import io.relay.event.ConversationPushed;
import io.relay.iadvize.Api;
import io.relay.iadvize.Operator;
import io.relay.iadvize.Transcript;
import io.relay.iadvize.Visitor;
import org.jspecify.annotations.Nullable;

/**
 * What request templates can name: nested maps of plain JSON values (strings, numbers, booleans, lists, maps),
 * every name present in every model, with {@code null} for what is unknown, so that a template that works for one
 * delivery never fails on another for a missing name. Times are ISO-8601 strings.
 * <ul>
 * <li>{@code event}: {@code eventId}, {@code eventType}, {@code platform} ({@code sd}/{@code ha}), {@code clientId},
 * {@code projectId}, {@code channel}, {@code conversationId}, {@code visitorId}, {@code visitorExternalId},
 * {@code operatorIds}, {@code createdAt}, {@code sentAt};</li>
 * <li>{@code delivery}: {@code id}, {@code idempotencyKey}, {@code attempt}, {@code receivedAt};</li>
 * <li>{@code conversation}: {@code id}, {@code channel}, {@code projectId}, {@code url};</li>
 * <li>{@code visitor}: {@code id}, {@code externalId}, {@code firstName}, {@code lastName}, {@code name},
 * {@code email}, {@code phone}, {@code address}, {@code city}, {@code zipCode}, {@code country};</li>
 * <li>{@code transcript}: {@code text} (one {@code AUTHOR: text} line per message), {@code messages} (each with
 * {@code author}, {@code text}, {@code sentAt});</li>
 * <li>{@code operator}: {@code id}, {@code name}, {@code firstName}, {@code pseudo}, {@code email},
 * {@code externalId};</li>
 * <li>and sections a workflow adds with {@link #with}.</li>
 * </ul>
 */
public final class TemplateModel {

	private final Map<String, Object> root = new LinkedHashMap<>();

	private TemplateModel() {
		visitor(null);
		transcript(null);
		operator(null, null);
	}

	/** The model of a delivery: its event, the delivery itself and the conversation, if any. */
	public static TemplateModel of(Delivery<? extends IAdvizeEvent> delivery) {
		TemplateModel model = new TemplateModel();
		IAdvizeEvent event = delivery.event();
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("eventId", event.eventId());
		values.put("eventType", event.eventType());
		values.put("platform", (event.platform() != Platform.UNKNOWN) ? lower(event.platform()) : null);
		values.put("clientId", event.clientId());
		values.put("projectId", projectId(event));
		values.put("channel", channel(event));
		values.put("conversationId", event.conversationId());
		values.put("visitorId", event.visitorId());
		values.put("visitorExternalId", (event instanceof ConversationClosed closed) ? closed.visitorExternalId()
				: (event instanceof ConversationPushed pushed) ? pushed.visitorExternalId() : null);
		values.put("operatorIds", (event instanceof ConversationClosed closed) ? closed.operatorIds() : List.of());
		values.put("createdAt", text(event.createdAt()));
		values.put("sentAt", text(event.sentAt()));
		model.root.put("event", values);

		Map<String, Object> deliveryValues = new LinkedHashMap<>();
		deliveryValues.put("id", delivery.id());
		deliveryValues.put("idempotencyKey", delivery.idempotencyKey());
		deliveryValues.put("attempt", delivery.attempt());
		deliveryValues.put("receivedAt", delivery.receivedAt().toString());
		model.root.put("delivery", deliveryValues);

		Map<String, Object> conversation = new LinkedHashMap<>();
		conversation.put("id", event.conversationId());
		conversation.put("channel", channel(event));
		conversation.put("projectId", projectId(event));
		conversation.put("url", null);
		model.root.put("conversation", conversation);
		return model;
	}

	/**
	 * A model with a value for every name, for checking templates at startup: a closed chat conversation of a
	 * visitor with every detail, a transcript of two messages and an operator.
	 */
	public static TemplateModel sample() {
		ConversationClosed event = new ConversationClosed(UUID.randomUUID().toString(), Platform.SD, 1L, 1L,
				UUID.randomUUID().toString(), List.of(1L), "1", Channel.CHAT, UUID.randomUUID().toString(),
				OffsetDateTime.now(), OffsetDateTime.now());
		Delivery<ConversationClosed> delivery = new Delivery<>(1, event.eventId() + ":sample", event, 1, Instant.now());
		return of(delivery).visitor(new Visitor(Api.REST, "1", "x", "Ada", "Lovelace", "ada@example.com", "+33600000000",
				"1 rue de la Paix", "Nantes", "44000", "France"))
			.transcript(new Transcript(Api.GRAPHQL, event.conversationId(),
					List.of(new Transcript.Message(Transcript.Author.VISITOR, "Hello", Instant.now()),
							new Transcript.Message(Transcript.Author.OPERATOR, "Hi", null))))
			.operator(new Operator(1, "Doe", "Jane", "Jane D.", "jane@example.com", "op-1", List.of("operator")), 1L)
			.conversationUrl("https://example.com/conversation");
	}

	public TemplateModel visitor(@Nullable Visitor visitor) {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("id", (visitor != null) ? visitor.id() : null);
		values.put("externalId", (visitor != null) ? visitor.externalId() : null);
		values.put("firstName", (visitor != null) ? visitor.firstName() : null);
		values.put("lastName", (visitor != null) ? visitor.lastName() : null);
		values.put("name", (visitor != null) ? name(visitor.firstName(), visitor.lastName()) : null);
		values.put("email", (visitor != null) ? blankToNull(visitor.email()) : null);
		values.put("phone", (visitor != null) ? blankToNull(visitor.phone()) : null);
		values.put("address", (visitor != null) ? visitor.address() : null);
		values.put("city", (visitor != null) ? visitor.city() : null);
		values.put("zipCode", (visitor != null) ? visitor.zipCode() : null);
		values.put("country", (visitor != null) ? visitor.country() : null);
		this.root.put("visitor", values);
		return this;
	}

	public TemplateModel transcript(@Nullable Transcript transcript) {
		Map<String, Object> values = new LinkedHashMap<>();
		List<Map<String, Object>> messages = new ArrayList<>();
		if (transcript != null) {
			for (Transcript.Message message : transcript.messages()) {
				Map<String, Object> entry = new LinkedHashMap<>();
				entry.put("author", message.author().name());
				entry.put("text", message.text());
				entry.put("sentAt", (message.sentAt() != null) ? message.sentAt().toString() : null);
				messages.add(entry);
			}
		}
		values.put("text", (transcript != null) ? transcript.asText() : null);
		values.put("messages", messages);
		this.root.put("transcript", values);
		return this;
	}

	/**
	 * @param operator the operator, when known
	 * @param id the operator's id, when the event names one even though the operator could not be read
	 */
	public TemplateModel operator(@Nullable Operator operator, @Nullable Long id) {
		Map<String, Object> values = new LinkedHashMap<>();
		values.put("id", (operator != null) ? (Object) operator.id() : id);
		values.put("name", (operator != null) ? operator.name() : null);
		values.put("firstName", (operator != null) ? operator.firstName() : null);
		values.put("pseudo", (operator != null) ? operator.pseudo() : null);
		values.put("email", (operator != null) ? operator.email() : null);
		values.put("externalId", (operator != null) ? operator.externalId() : null);
		this.root.put("operator", values);
		return this;
	}

	/** Sets {@code conversation.url}, the link back to the conversation. */
	public TemplateModel conversationUrl(@Nullable String url) {
		@SuppressWarnings("unchecked")
		Map<String, Object> conversation = (Map<String, Object>) this.root.get("conversation");
		conversation.put("url", url);
		return this;
	}

	/** Adds (or replaces) a section of the workflow's own. */
	public TemplateModel with(String section, Map<String, ?> values) {
		this.root.put(section, new LinkedHashMap<>(values));
		return this;
	}

	/** The model, for {@link OutboundTemplate#render}. */
	public Map<String, Object> asMap() {
		return this.root;
	}

	private static @Nullable Long projectId(IAdvizeEvent event) {
		return switch (event) {
			case ConversationClosed closed -> closed.projectId();
			case ConversationPushed pushed -> pushed.projectId();
			case SatisfactionAnswered answered -> answered.projectId();
			default -> null;
		};
	}

	private static @Nullable String channel(IAdvizeEvent event) {
		if (event instanceof ConversationEvent conversation && conversation.channel() != Channel.UNKNOWN) {
			return conversation.channel().name();
		}
		return null;
	}

	private static @Nullable String name(@Nullable String first, @Nullable String last) {
		String name = ((first != null) ? first.strip() : "") + " " + ((last != null) ? last.strip() : "");
		return name.isBlank() ? null : name.strip();
	}

	private static @Nullable String blankToNull(@Nullable String value) {
		return (value == null || value.isBlank()) ? null : value.strip();
	}

	private static @Nullable String text(@Nullable OffsetDateTime time) {
		return (time != null) ? time.toString() : null;
	}

	private static String lower(Enum<?> value) {
		return value.name().toLowerCase(Locale.ROOT);
	}

	@Override
	public String toString() {
		return "TemplateModel" + this.root.keySet();
	}

}
