package io.relay.workflow.csat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.ConversationClosed;
import io.relay.event.ConversationPushed;
import io.relay.event.IAdvizeEvent;
import io.relay.event.SatisfactionAnswered;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Records {@code satisfaction.answered} answers, and what {@code v2.conversation.pushed}/{@code closed} say about
 * each conversation (channel, operator, project) so that answers can be grouped by them. One handler for the three
 * types, so that the events of one conversation reach it in order; the figures do not depend on that order anyway.
 */
@Component
@ConditionalOnCsatDashboard
class CsatDashboardHandler implements EventHandler<IAdvizeEvent> {

	static final String NAME = "csat-dashboard";

	/** How far ahead of Relay's clock an event's {@code createdAt} may be and still be believed. */
	static final Duration MAX_CLOCK_AHEAD = Duration.ofHours(1);

	private static final Logger logger = LoggerFactory.getLogger(CsatDashboardHandler.class);

	private static final int NPS_MAX = 10;

	private final Answers answers;

	private final Conversations conversations;

	private final DashboardUpdates updates;

	private final CsatDashboardProperties properties;

	private final Clock clock;

	CsatDashboardHandler(Answers answers, Conversations conversations, DashboardUpdates updates,
			CsatDashboardProperties properties, Clock clock) {
		this.answers = answers;
		this.conversations = conversations;
		this.updates = updates;
		this.properties = properties;
		this.clock = clock;
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public Class<IAdvizeEvent> eventType() {
		return IAdvizeEvent.class;
	}

	@Override
	public boolean accepts(IAdvizeEvent event) {
		return event instanceof SatisfactionAnswered || event instanceof ConversationPushed
				|| event instanceof ConversationClosed;
	}

	@Override
	public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
		Instant at = timeOf(delivery.event().createdAt(), delivery.receivedAt());
		return switch (delivery.event()) {
			case SatisfactionAnswered answered -> answered(answered, at, delivery.receivedAt());
			case ConversationPushed pushed -> conversation(new Conversations.Conversation(pushed.conversationId(),
					pushed.channel(), pushed.operatorId(), pushed.projectId(), at, pushed.eventId()));
			case ConversationClosed closed -> conversation(new Conversations.Conversation(closed.conversationId(),
					closed.channel(), closed.operatorIds().isEmpty() ? null : closed.operatorIds().getLast(),
					closed.projectId(), at, closed.eventId()));
			default -> HandlerResult.skipped("not an event of the " + NAME + " workflow");
		};
	}

	private HandlerResult answered(SatisfactionAnswered event, Instant at, Instant receivedAt) {
		String conversation = event.conversationId();
		if (conversation == null || conversation.isBlank()) {
			return HandlerResult.skipped("the answer names no conversation");
		}
		List<Answers.Answer> found = new ArrayList<>();
		List<String> refused = new ArrayList<>();
		LocalDate day = at.atZone(this.properties.timeZone()).toLocalDate();
		Integer csat = event.customerSatisfaction();
		if (csat != null) {
			if (csat >= 1 && csat <= this.properties.scaleMax()) {
				found.add(new Answers.Answer(conversation, Answers.Question.CSAT, csat, null, at, day, event.eventId(),
						event.projectId(), receivedAt));
			}
			else {
				refused.add("customerSatisfaction " + csat + " is outside 1.." + this.properties.scaleMax() + " ("
						+ CsatDashboardProperties.PREFIX + ".scale-max)");
			}
		}
		Integer nps = event.netPromoterScore();
		if (nps != null) {
			if (nps >= 0 && nps <= NPS_MAX) {
				found.add(new Answers.Answer(conversation, Answers.Question.NPS, nps, null, at, day, event.eventId(),
						event.projectId(), receivedAt));
			}
			else {
				refused.add("netPromoterScore " + nps + " is outside 0..10");
			}
		}
		String comment = event.satisfactionComment();
		if (comment != null) {
			found.add(new Answers.Answer(conversation, Answers.Question.COMMENT, null, comment.strip(), at, day,
					event.eventId(), event.projectId(), receivedAt));
		}
		if (found.isEmpty()) {
			return HandlerResult.skipped(refused.isEmpty() ? "the event carries no answer" : String.join("; ", refused));
		}
		if (!refused.isEmpty()) {
			logger.warn("Satisfaction event {}: not counted: {}", event.eventId(), String.join("; ", refused));
		}
		boolean changed = false;
		Instant now = this.clock.instant();
		for (Answers.Answer answer : found) {
			changed |= this.answers.record(answer, now);
		}
		if (changed) {
			this.updates.changed();
		}
		return HandlerResult.success();
	}

	private HandlerResult conversation(Conversations.Conversation conversation) {
		// Figures change only for a conversation with an answer (its channel, operator and project group it), and
		// most conversations have none: every open page would load its figures again for nothing. An answer recorded
		// after the look below announces itself, after its commit, so a page then sees this conversation's row too.
		// No look at all while no page is open.
		if (this.conversations.record(conversation, this.clock.instant()) && this.updates.anyOpen()
				&& this.answers.exist(conversation.conversationId())) {
			this.updates.changed();
		}
		return HandlerResult.success();
	}

	/**
	 * When the answer was given: the event's {@code createdAt}, unless it is later than Relay received the event (by
	 * more than a clock's drift): a time in the future (a timestamp in milliseconds read as seconds lands in the
	 * year 51247) would sort after every later answer, never be replaced, and count on no day ever shown.
	 */
	private static Instant timeOf(@Nullable OffsetDateTime createdAt, Instant receivedAt) {
		if (createdAt == null || createdAt.toInstant().isAfter(receivedAt.plus(MAX_CLOCK_AHEAD))) {
			return receivedAt;
		}
		return createdAt.toInstant();
	}

}
