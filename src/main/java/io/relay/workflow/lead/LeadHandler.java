package io.relay.workflow.lead;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.ConversationClosed;
import io.relay.event.IAdvizeEvent;
import io.relay.event.VisitorUpdated;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.iadvize.Visitor;
import io.relay.workflow.outbound.ExternalReferences;
import io.relay.workflow.outbound.IAdvizeFailures;
import io.relay.workflow.outbound.IdempotentRequests;
import io.relay.workflow.outbound.OutboundClient;
import io.relay.workflow.outbound.OutboundException;
import io.relay.workflow.outbound.OutboundRequest;
import io.relay.workflow.outbound.OutboundResponse;
import io.relay.workflow.outbound.OutboundTemplate;
import io.relay.workflow.outbound.TemplateModel;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JsonPointer;

/**
 * Sends visitors to the CRM. On {@code visitor.updated} and {@code v2.conversation.closed}: reads the visitor from
 * iAdvize; a visitor without email and phone is skipped; the first send for a visitor is a create, events within
 * {@code window} of the last send are skipped, the first event after it sends an update. The same delivery run
 * again (a retry, a replay) sends the same body with the same {@code Idempotency-Key}; a create whose outcome is
 * unknown is sent again, under its own key, by whichever delivery for the visitor runs next.
 */
class LeadHandler implements EventHandler<IAdvizeEvent> {

	static final String NAME = "lead";

	/** The kind of the {@code workflow_reference} rows this workflow writes: the CRM's contact id. */
	static final String REFERENCE_KIND = "contact";

	/** Added to the delivery's {@code Idempotency-Key} for an update: a create and an update never share a key. */
	static final String UPDATE_KEY_SUFFIX = ":update";

	/**
	 * Why a create was not sent: the claim lapsed and another delivery took it (this one was slower than the lapse
	 * time, or the instances' clocks are apart). That one saw no pending create and may send its own, so a create
	 * sent now would make a second contact.
	 */
	private static final String CLAIM_LAPSED = "the claim on this visitor lapsed and another delivery took it "
			+ "before the create was sent";

	private static final Logger logger = LoggerFactory.getLogger(LeadHandler.class);

	private final LeadProperties properties;

	private final IAdvizeEnrichment iadvize;

	private final OutboundClient crm;

	private final OutboundTemplate create;

	private final @Nullable OutboundTemplate update;

	private final @Nullable JsonPointer idPointer;

	private final LeadVisitors visitors;

	private final ExternalReferences references;

	private final IdempotentRequests requests;

	private final Clock clock;

	private final Duration claimTtl;

	LeadHandler(LeadProperties properties, IAdvizeEnrichment iadvize, OutboundClient crm, LeadVisitors visitors,
			ExternalReferences references, IdempotentRequests requests, Clock clock) {
		this.properties = properties;
		this.iadvize = iadvize;
		this.crm = crm;
		this.create = properties.createTemplate();
		this.update = properties.updateTemplate();
		this.idPointer = (properties.idPointer() != null)
				? OutboundResponse.pointer(properties.idPointer(), LeadProperties.PREFIX + ".id-pointer") : null;
		this.visitors = visitors;
		this.references = references;
		this.requests = requests;
		this.clock = clock;
		// Longer than any one send can take: waiting for a slot, connecting, reading.
		this.claimTtl = properties.http().acquireTimeout()
			.plus(properties.http().connectTimeout())
			.plus(properties.http().readTimeout())
			.plusSeconds(30);
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
		return switch (event) {
			case VisitorUpdated updated -> true;
			case ConversationClosed closed -> (this.properties.channels().isEmpty()
					|| this.properties.channels().contains(closed.channel()))
					&& (this.properties.projects().isEmpty()
							|| (closed.projectId() != null && this.properties.projects().contains(closed.projectId())));
			default -> false;
		};
	}

	@Override
	public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
		Visitor visitor;
		try {
			visitor = this.iadvize.visitor(delivery.event());
		}
		catch (IAdvizeApiException.NotFound ex) {
			return HandlerResult.skipped("the visitor is not known to iAdvize: " + ex.getMessage());
		}
		catch (IAdvizeApiException ex) {
			return IAdvizeFailures.toResult(ex);
		}
		String key = LeadVisitors.key(visitor);
		if (key == null) {
			return HandlerResult.skipped("the visitor has no email address and no phone number");
		}
		Instant now = this.clock.instant();
		String claimant = delivery.idempotencyKey();
		LeadVisitors.Claim claim = this.visitors.claim(key, claimant, now, this.claimTtl);
		if (claim instanceof LeadVisitors.Claim.Busy busy) {
			// Usually over in well under a second: the handler's backoff, not the claim's (much longer) lapse time.
			return HandlerResult.retry("another delivery is sending this visitor to the CRM (until " + busy.until()
					+ " at the latest)");
		}
		LeadVisitors.Row row = ((LeadVisitors.Claim.Claimed) claim).row();
		boolean sent = false;
		try {
			Send send = decide(row, delivery.event().eventId(), claimant, now);
			if (send == null) {
				return HandlerResult.skipped("this visitor was sent at " + row.lastSentAt() + ", less than "
						+ LeadProperties.PREFIX + ".window (" + this.properties.window() + ") ago");
			}
			OutboundRequest request = render(send.action(), delivery, visitor, row);
			OutboundResponse response;
			try {
				// A create is recorded as pending only once its body is kept (the last check), so that a delivery
				// taking over after this one's claim lapsed finds both, and sends this create under its key.
				IdempotentRequests.LastCheck check = (send.action() == Action.CREATE)
						? () -> this.visitors.creating(key, claimant, send.key()) ? null : CLAIM_LAPSED
						: () -> null;
				response = send.pending()
						? this.requests.resend(this.crm, request, send.key(), delivery.event().eventId(), check)
						: this.requests.send(this.crm, request, send.key(), delivery.event().eventId(), check);
			}
			catch (OutboundException ex) {
				if (send.action() == Action.CREATE && !this.requests.has(send.key())) {
					// Refused at its first attempt (no contact was made), or an earlier create's kept body purged
					// before it could be sent again: the next create may use its own key.
					this.visitors.refused(key, send.key());
				}
				throw ex;
			}
			String externalId = externalId(response, send.action());
			this.visitors.sent(key, claimant, delivery.event().eventId(), send.action(), send.key(),
					this.clock.instant(), externalId);
			sent = true;
			String reference = (externalId != null) ? externalId : row.externalId();
			if (reference != null) {
				this.references.record(delivery.event().eventId(), NAME, REFERENCE_KIND, reference);
			}
			return HandlerResult.success();
		}
		catch (OutboundException ex) {
			return ex.toResult();
		}
		catch (IllegalStateException ex) {
			// A template that renders no usable URL for this delivery: no retry can fix it.
			return HandlerResult.permanentFailure("the " + NAME + " request cannot be built: " + ex.getMessage());
		}
		finally {
			if (!sent) {
				this.visitors.release(key, claimant);
			}
		}
	}

	/** Create, update, or nothing ({@code null}) within the window; and under which key. */
	private @Nullable Send decide(LeadVisitors.Row row, String eventId, String claimant, Instant now) {
		if (eventId.equals(row.lastEventId()) && row.lastAction() != null) {
			// This very event was sent already (a replay): the same request again, under the same Idempotency-Key,
			// so that the CRM can recognise it.
			return new Send(Action.valueOf(row.lastAction()), (row.lastKey() != null) ? row.lastKey() : claimant,
					false);
		}
		if (row.firstSentAt() == null || row.lastSentAt() == null) {
			// A create sent earlier whose outcome is unknown (a timeout, a 5xx, a crash) may have made the contact:
			// this is that create, sent again under its key, never a second one under this delivery's.
			// Without its kept body (never sent, or purged with its event after relay.retention) it is not pending.
			boolean pending = row.pendingKey() != null && this.requests.has(row.pendingKey());
			return new Send(Action.CREATE, pending ? row.pendingKey() : claimant, pending);
		}
		// An update has a key of its own: this delivery's key may carry a create already (its own, or one it found
		// pending), and one key goes with one body (IdempotentRequests): a PATCH would carry the create's body.
		return now.isBefore(row.lastSentAt().plus(this.properties.window())) ? null
				: new Send(Action.UPDATE, claimant + UPDATE_KEY_SUFFIX, false);
	}

	private OutboundRequest render(Action action, Delivery<IAdvizeEvent> delivery, Visitor visitor,
			LeadVisitors.Row row) {
		OutboundTemplate template = (action == Action.UPDATE && this.update != null) ? this.update : this.create;
		Map<String, Object> model = TemplateModel.of(delivery)
			.visitor(visitor)
			.with("lead", leadSection(action, row.externalId(), row.firstSentAt(), row.lastSentAt(), row.sends()))
			.asMap();
		return template.render(model);
	}

	private @Nullable String externalId(OutboundResponse response, Action action) {
		if (this.idPointer == null) {
			return null;
		}
		String id = response.valueAt(this.idPointer).orElse(null);
		if (id == null && action == Action.CREATE) {
			logger.warn("The CRM's answer to a lead create has no value at {} ({}.id-pointer): no contact id kept",
					this.idPointer, LeadProperties.PREFIX);
		}
		return id;
	}

	/** The {@code lead} section of the template model. */
	static Map<String, Object> leadSection(Action action, @Nullable String externalId, @Nullable Instant firstSentAt,
			@Nullable Instant lastSentAt, int sends) {
		Map<String, Object> lead = new LinkedHashMap<>();
		lead.put("action", action.name().toLowerCase(Locale.ROOT));
		lead.put("externalId", externalId);
		lead.put("firstSentAt", (firstSentAt != null) ? firstSentAt.toString() : null);
		lead.put("lastSentAt", (lastSentAt != null) ? lastSentAt.toString() : null);
		lead.put("sends", sends);
		return lead;
	}

	enum Action {

		CREATE, UPDATE

	}

	/** A send to make: what, and under which {@code Idempotency-Key}. */
	/**
	 * What to send, and under which key.
	 * @param pending whether the key is an earlier delivery's create, found with its kept body: sent only with that
	 * body (should it be purged before it is sent, this delivery decides again rather than bind its own to the key)
	 */
	private record Send(Action action, String key, boolean pending) {
	}

}
