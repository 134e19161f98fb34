package io.relay.iadvize.internal;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import io.relay.event.ConversationClosed;
import io.relay.event.ConversationPushed;
import io.relay.event.IAdvizeEvent;
import io.relay.event.Platform;
import io.relay.event.VisitorUpdated;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.iadvize.Operator;
import io.relay.iadvize.Satisfaction;
import io.relay.iadvize.Transaction;
import io.relay.iadvize.Transcript;
import io.relay.iadvize.Visitor;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the API from what the event carries: the integer ids REST knows, or the UUIDs GraphQL knows.
 * <p>
 * For a visitor, REST is preferred when the event has an integer {@code visitorExternalId}: one request with a
 * static key, nothing to log in to, and it is the lookup iAdvize's own integration guide shows. GraphQL serves the
 * UUID {@code visitorId} every v2 event carries (offsite channels have no {@code visitorExternalId}). REST also
 * serves the older non-UUID {@code visitorId} through its {@code unique_id} filter.
 */
final class DefaultEnrichment implements IAdvizeEnrichment {

	private final RestResources rest;

	private final GraphQlResources graphQl;

	private final VisitorCache visitors;

	private final Clock clock;

	private final Duration callTimeout;

	private final Duration deliveryTimeout;

	DefaultEnrichment(RestResources rest, GraphQlResources graphQl, VisitorCache visitors, Clock clock,
			Duration callTimeout, Duration deliveryTimeout) {
		this.rest = rest;
		this.graphQl = graphQl;
		this.visitors = visitors;
		this.clock = clock;
		this.callTimeout = callTimeout;
		this.deliveryTimeout = deliveryTimeout;
	}

	@Override
	public Visitor visitor(IAdvizeEvent event) {
		return guarded(Api.REST, "visitor", () -> findVisitor(event));
	}

	@Override
	public Transcript transcript(IAdvizeEvent event) {
		return guarded(Api.GRAPHQL, "conversation", () -> findTranscript(event));
	}

	@Override
	public Operator operator(Platform platform, long operatorId) {
		return guarded(Api.REST, "operator", () -> this.rest.operator(platform, operatorId));
	}

	@Override
	public List<Transaction> transactions(Platform platform, long conversationId) {
		return guarded(Api.REST, "transaction", () -> this.rest.transactions(platform, conversationId));
	}

	@Override
	public List<Satisfaction> satisfactions(Platform platform, long conversationId) {
		return guarded(Api.REST, "satisfaction", () -> this.rest.satisfactions(platform, conversationId));
	}

	@Override
	public <T, X extends Exception> T together(Calls<T, X> calls) throws X {
		return CallDeadline.within(this.clock, CallDeadline.DELIVERY, this.deliveryTimeout, calls::run);
	}

	/**
	 * Runs one call within {@code relay.iadvize.call-timeout} ({@link CallDeadline}), and keeps the contract that
	 * every failure is an {@link IAdvizeApiException}: anything else (a bug, an interrupted wait for a free slot)
	 * becomes a retryable {@link IAdvizeApiException.Unavailable}, so that the caller's bounded retries apply rather
	 * than an unknown exception escaping.
	 */
	private <T> T guarded(Api api, String resource, Supplier<T> call) {
		try {
			return CallDeadline.within(this.clock, CallDeadline.CALL, this.callTimeout, call::get);
		}
		catch (IAdvizeApiException ex) {
			throw ex;
		}
		catch (RuntimeException ex) {
			throw new IAdvizeApiException.Unavailable(api, resource,
					Failures.describe(api, resource) + " failed unexpectedly (" + ex.getClass().getName() + ")", null,
					ex);
		}
	}

	private Visitor findVisitor(IAdvizeEvent event) {
		Platform platform = event.platform();
		@Nullable Long legacyId = legacyVisitorId(event);
		@Nullable String visitorId = blankToNull(event.visitorId());
		@Nullable UUID uuid = uuid(visitorId);
		if (!this.rest.configured() && !this.graphQl.configured()) {
			throw new IAdvizeApiException.Rejected(Api.REST, "visitor", "A visitor lookup needs "
					+ "relay.iadvize.rest.api-key or relay.iadvize.graphql.username and password, and none is set");
		}
		if (legacyId != null && (this.rest.configured() || uuid == null)) {
			return lookup(event, Api.REST, "id:" + legacyId, () -> this.rest.visitor(platform, legacyId));
		}
		if (uuid != null) {
			return lookup(event, Api.GRAPHQL, uuid.toString(), () -> this.graphQl.visitor(platform, uuid));
		}
		if (visitorId != null) {
			return lookup(event, Api.REST, "unique:" + visitorId,
					() -> this.rest.visitorByUniqueId(platform, visitorId));
		}
		// Not Rejected (DEAD, and no replay could help): there is no visitor to find, as for one iAdvize does not know.
		throw new IAdvizeApiException.NotFound(Api.REST, "visitor",
				"the event names no visitor (no visitorId, no visitorExternalId)");
	}

	/**
	 * The visitor through the cache. A {@code visitor.updated} event says the visitor just changed (gave an email
	 * address, say): a remembered answer, up to {@code relay.iadvize.cache.visitor-ttl} old, or a lookup under way
	 * may predate the change, and the lead workflow would skip the visitor for good. So that event asks iAdvize
	 * itself, and its answer replaces the remembered one for the events after it.
	 */
	private Visitor lookup(IAdvizeEvent event, Api api, String id, Supplier<@Nullable Visitor> loader) {
		return (event instanceof VisitorUpdated) ? this.visitors.refresh(api, event.platform(), id, loader)
				: this.visitors.get(api, event.platform(), id, loader);
	}

	private Transcript findTranscript(IAdvizeEvent event) {
		String conversationId = blankToNull(event.conversationId());
		if (conversationId == null) {
			throw new IAdvizeApiException.Rejected(Api.GRAPHQL, "conversation", "A " + event.eventType()
					+ " event carries no conversation id to look up (event " + event.eventId() + ")");
		}
		UUID uuid = uuid(conversationId);
		if (uuid != null) {
			return this.graphQl.transcript(event.platform(), uuid);
		}
		Long legacyId = number(conversationId);
		if (legacyId != null) {
			return this.rest.transcript(event.platform(), legacyId);
		}
		throw new IAdvizeApiException.Rejected(Api.REST, "conversation", "A " + event.eventType()
				+ " event carries a conversation id that is neither a UUID nor a number (event " + event.eventId()
				+ ")");
	}

	/** The deprecated integer {@code visitorExternalId} of the v2 conversation events, when usable. */
	private static @Nullable Long legacyVisitorId(IAdvizeEvent event) {
		String value = switch (event) {
			case ConversationPushed pushed -> pushed.visitorExternalId();
			case ConversationClosed closed -> closed.visitorExternalId();
			default -> null;
		};
		return number(value);
	}

	private static @Nullable Long number(@Nullable String value) {
		if (value == null || value.isBlank()) {
			return null;
		}
		try {
			long number = Long.parseLong(value.trim());
			return (number > 0) ? number : null;
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	private static @Nullable UUID uuid(@Nullable String value) {
		if (value == null || value.length() != 36) {
			return null;
		}
		try {
			return UUID.fromString(value);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private static @Nullable String blankToNull(@Nullable String value) {
		return (value == null || value.isBlank()) ? null : value.trim();
	}

}
