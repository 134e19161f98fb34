package io.relay.workflow.ticket;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.ConversationClosed;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.iadvize.Operator;
import io.relay.iadvize.Transcript;
import io.relay.iadvize.Visitor;
import io.relay.workflow.outbound.ExternalReferences;
import io.relay.workflow.outbound.IAdvizeFailures;
import io.relay.workflow.outbound.IdempotentRequests;
import io.relay.workflow.outbound.OutboundClient;
import io.relay.workflow.outbound.OutboundException;
import io.relay.workflow.outbound.OutboundResponse;
import io.relay.workflow.outbound.OutboundTemplate;
import io.relay.workflow.outbound.TemplateModel;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.StringUtils;
import tools.jackson.core.JsonPointer;

/**
 * Creates a ticket for a closed conversation: reads the transcript, decides whether the conversation qualifies
 * (keywords, low CSAT), reads the visitor and the operator, sends the request and keeps the ticket's id.
 */
class TicketHandler implements EventHandler<ConversationClosed> {

	static final String NAME = "ticket";

	/** The kind of the {@code workflow_reference} rows this workflow writes: the ticket's id. */
	static final String REFERENCE_KIND = "ticket";

	private static final Logger logger = LoggerFactory.getLogger(TicketHandler.class);

	/**
	 * Unlike an unknown visitor, a lookup that cannot succeed (an oversized answer, a GraphQL schema change, another
	 * 4xx) is a problem someone should fix, so it is a warning even though the ticket goes out.
	 */
	private static final String CANNOT_READ = "Ticket for event {} without {} details, whose lookup failed for "
			+ "good: {}";

	private final TicketProperties properties;

	private final IAdvizeEnrichment iadvize;

	private final OutboundClient target;

	private final OutboundTemplate request;

	private final OutboundTemplate.@Nullable UrlTemplate conversationUrl;

	private final @Nullable JsonPointer idPointer;

	private final Satisfactions satisfactions;

	private final ExternalReferences references;

	private final IdempotentRequests requests;

	private final Clock clock;

	TicketHandler(TicketProperties properties, IAdvizeEnrichment iadvize, OutboundClient target,
			Satisfactions satisfactions, ExternalReferences references, IdempotentRequests requests, Clock clock) {
		this.properties = properties;
		this.iadvize = iadvize;
		this.target = target;
		this.request = properties.requestTemplate();
		this.conversationUrl = properties.conversationUrlTemplate();
		this.idPointer = properties.idPointer().isEmpty() ? null
				: OutboundResponse.pointer(properties.idPointer(), TicketProperties.PREFIX + ".id-pointer");
		this.satisfactions = satisfactions;
		this.references = references;
		this.requests = requests;
		this.clock = clock;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Class<ConversationClosed> eventType() {
		return ConversationClosed.class;
	}

	@Override
	public boolean accepts(ConversationClosed event) {
		return (this.properties.channels().isEmpty() || this.properties.channels().contains(event.channel()))
				&& (this.properties.projects().isEmpty()
						|| (event.projectId() != null && this.properties.projects().contains(event.projectId())));
	}

	@Override
	public HandlerResult handle(Delivery<ConversationClosed> delivery) {
		// The transcript, the visitor and the operator: one relay.iadvize.delivery-timeout for all, within the lease.
		return this.iadvize.together(() -> ticket(delivery));
	}

	private HandlerResult ticket(Delivery<ConversationClosed> delivery) {
		ConversationClosed event = delivery.event();
		// Per conversation, not per event: a conversation closed again after a reopening sends a second close event.
		String existing = this.references.findForConversation(event.conversationId(), NAME, REFERENCE_KIND)
			.orElse(null);
		if (existing != null) {
			return HandlerResult.skipped("ticket " + existing + " was already created for this conversation");
		}
		Transcript transcript;
		try {
			transcript = this.iadvize.transcript(event);
		}
		catch (IAdvizeApiException ex) {
			return IAdvizeFailures.toResult(ex);
		}
		Integer satisfaction = (this.properties.lowSatisfaction() != null)
				? this.satisfactions.find(event.conversationId()).orElse(null) : null;
		List<String> keywords = matchingKeywords(transcript);
		String reason = reason(keywords, satisfaction);
		if (reason == null) {
			return waitOrSkip(delivery, satisfaction);
		}

		Visitor visitor;
		Operator operator;
		Long operatorId = event.operatorIds().isEmpty() ? null : event.operatorIds().getLast();
		try {
			visitor = visitor(event);
			operator = (operatorId != null) ? operator(event, operatorId) : null;
		}
		catch (IAdvizeApiException ex) {
			return IAdvizeFailures.toResult(ex);
		}

		try {
			TemplateModel model = TemplateModel.of(delivery)
				.visitor(visitor)
				.transcript(transcript)
				.operator(operator, operatorId)
				.with("ticket", ticketSection(reason, keywords, satisfaction));
			if (this.conversationUrl != null) {
				model.conversationUrl(this.conversationUrl.render(model.asMap()).toString());
			}
			OutboundResponse response = this.requests.send(this.target, this.request.render(model.asMap()),
					delivery.idempotencyKey(), event.eventId());
			recordTicketId(event, response);
			return HandlerResult.success();
		}
		catch (OutboundException ex) {
			return ex.toResult();
		}
		catch (IllegalStateException ex) {
			// A template that renders no usable URL for this delivery: no retry can fix it.
			return HandlerResult.permanentFailure("the " + NAME + " request cannot be built: " + ex.getMessage());
		}
	}

	/** Why this conversation gets a ticket; {@code null} when it does not. */
	private @Nullable String reason(List<String> keywords, @Nullable Integer satisfaction) {
		if (!this.properties.conditional()) {
			return "closed";
		}
		if (satisfaction != null && this.properties.lowSatisfaction() != null
				&& satisfaction <= this.properties.lowSatisfaction()) {
			return "low-satisfaction";
		}
		return keywords.isEmpty() ? null : "keyword";
	}

	/**
	 * No keyword: when a low CSAT could still make the conversation qualify and none is known yet, wait for it
	 * (once, until {@code satisfaction-wait} after the close); otherwise skip.
	 */
	private HandlerResult waitOrSkip(Delivery<ConversationClosed> delivery, @Nullable Integer satisfaction) {
		if (this.properties.lowSatisfaction() != null && satisfaction == null) {
			Instant closedAt = (delivery.event().createdAt() != null) ? delivery.event().createdAt().toInstant()
					: delivery.receivedAt();
			Duration left = Duration.between(this.clock.instant(), closedAt.plus(this.properties.satisfactionWait()));
			if (!left.isNegative() && !left.isZero()) {
				return HandlerResult.retryAfter("no keyword in the transcript; waiting for a satisfaction answer "
						+ "(" + TicketProperties.PREFIX + ".satisfaction-wait)", left);
			}
		}
		return HandlerResult.skipped("no keyword in the transcript" + ((this.properties.lowSatisfaction() != null)
				? " and no satisfaction answer at or below " + this.properties.lowSatisfaction()
						+ ((satisfaction != null) ? " (it was " + satisfaction + ")" : "")
				: ""));
	}

	private List<String> matchingKeywords(Transcript transcript) {
		if (this.properties.keywords().isEmpty()) {
			return List.of();
		}
		String text = transcript.messages().stream()
			.map(Transcript.Message::text)
			.collect(Collectors.joining("\n"))
			.toLowerCase(Locale.ROOT);
		List<String> found = new ArrayList<>();
		for (String keyword : this.properties.keywords()) {
			if (text.contains(keyword.toLowerCase(Locale.ROOT))) {
				found.add(keyword);
			}
		}
		return found;
	}

	/**
	 * The visitor, or {@code null} when iAdvize does not know them or the lookup cannot succeed (no visitor id, an
	 * answer Relay cannot use): the ticket goes on, since the complaint matters more than the requester's details.
	 */
	private @Nullable Visitor visitor(ConversationClosed event) {
		if (!StringUtils.hasText(event.visitorId()) && !StringUtils.hasText(event.visitorExternalId())) {
			// Nothing to look up, and nothing anyone could fix: not the warning of a lookup that failed.
			logger.info("Ticket for event {} without requester details: the event names no visitor", event.eventId());
			return null;
		}
		try {
			return this.iadvize.visitor(event);
		}
		catch (IAdvizeApiException.NotFound ex) {
			logger.info("Ticket for event {} without requester details: {}", event.eventId(), ex.getMessage());
			return null;
		}
		catch (IAdvizeApiException.Rejected ex) {
			logger.warn(CANNOT_READ, event.eventId(), "requester", ex.getMessage());
			return null;
		}
	}

	/** The operator, or {@code null} when iAdvize does not know them or the lookup cannot succeed: id only. */
	private @Nullable Operator operator(ConversationClosed event, long operatorId) {
		try {
			return this.iadvize.operator(event.platform(), operatorId);
		}
		catch (IAdvizeApiException.NotFound ex) {
			logger.info("Ticket for event {} with operator id {} only: {}", event.eventId(), operatorId,
					ex.getMessage());
			return null;
		}
		catch (IAdvizeApiException.Rejected ex) {
			logger.warn(CANNOT_READ, event.eventId(), "operator", ex.getMessage());
			return null;
		}
	}

	private void recordTicketId(ConversationClosed event, OutboundResponse response) {
		if (this.idPointer == null) {
			return;
		}
		String id = response.valueAt(this.idPointer).orElse(null);
		if (id == null) {
			logger.warn("The answer to the ticket of event {} has no value at {} ({}.id-pointer): no ticket id kept",
					event.eventId(), this.idPointer, TicketProperties.PREFIX);
			return;
		}
		this.references.record(event.eventId(), NAME, REFERENCE_KIND, id);
	}

	/** The {@code ticket} section of the template model. */
	static Map<String, Object> ticketSection(String reason, List<String> keywords, @Nullable Integer satisfaction) {
		Map<String, Object> ticket = new LinkedHashMap<>();
		ticket.put("reason", reason);
		ticket.put("keywords", List.copyOf(keywords));
		ticket.put("satisfaction", satisfaction);
		return ticket;
	}

}
