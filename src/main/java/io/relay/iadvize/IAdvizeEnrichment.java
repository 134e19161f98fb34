package io.relay.iadvize;

import java.util.List;

import io.relay.event.IAdvizeEvent;
import io.relay.event.Platform;

/**
 * What handlers call to learn what an event only points to. Each method picks the API from what the event carries
 * (see {@code docs/iadvize.md}), retries transient failures a few times with backoff, and otherwise throws an
 * {@link IAdvizeApiException} that says whether to retry later or give up.
 * <p>
 * Blocking and thread-safe: call it from any handler thread.
 */
public interface IAdvizeEnrichment {

	/**
	 * The visitor the event is about, with name, email and phone when iAdvize has them. Answers are cached for
	 * {@code relay.iadvize.cache.visitor-ttl}, so a burst of events for one visitor asks iAdvize once, and an answer
	 * may be that old. A {@code visitor.updated} event always gets the visitor from iAdvize, as updated, and that
	 * answer replaces the cached one.
	 * <ul>
	 * <li>an integer {@code visitorExternalId} ({@code v2.conversation.*}, onsite only): REST
	 * {@code GET /visitor/{id}};</li>
	 * <li>otherwise a UUID {@code visitorId}: GraphQL {@code visitor(id)};</li>
	 * <li>otherwise an older, non-UUID {@code visitorId} ({@code visitor.updated}, deprecated events): REST
	 * {@code GET /visitor?filters[unique_id]=...}.</li>
	 * </ul>
	 * When the preferred API has no credentials configured, the other one is used if the event allows it.
	 * @throws IAdvizeApiException.NotFound when iAdvize knows no such visitor, or the event names none
	 * @throws IAdvizeApiException.Rejected when no configured API can look the visitor up
	 */
	Visitor visitor(IAdvizeEvent event);

	/**
	 * The messages of the conversation the event is about: GraphQL {@code conversation(id)} for a UUID (every v2
	 * event), REST {@code GET /conversation.json-unicode/{id}} for an integer id (deprecated events).
	 * @throws IAdvizeApiException.Rejected when the event carries no conversation id, or the API it needs has no
	 * credentials configured
	 */
	Transcript transcript(IAdvizeEvent event);

	/** An operator, by the integer id events carry ({@code operatorId}, {@code operatorIds}), over REST. */
	Operator operator(Platform platform, long operatorId);

	/**
	 * Every transaction attributed to a conversation, over REST, all pages.
	 * @param conversationId the integer (legacy) conversation id; v2 events carry UUIDs, which REST does not know
	 */
	List<Transaction> transactions(Platform platform, long conversationId);

	/**
	 * Every satisfaction answer of a conversation, over REST, all pages.
	 * @param conversationId the integer (legacy) conversation id; v2 events carry UUIDs, which REST does not know
	 */
	List<Satisfaction> satisfactions(Platform platform, long conversationId);

	/**
	 * Runs {@code calls} (several of the calls above, and whatever else a handler does between them) within
	 * {@code relay.iadvize.delivery-timeout} in all, each call still within its own {@code relay.iadvize.call-timeout}:
	 * a handler that looks up a transcript, a visitor and an operator then stays within its delivery's lease, where
	 * three calls of a call-timeout each could outlast it.
	 * @return what {@code calls} returns
	 * @throws X what {@code calls} throws, as it is; an iAdvize call past either time throws a retryable
	 * {@link IAdvizeApiException.Unavailable} naming the property
	 */
	default <T, X extends Exception> T together(Calls<T, X> calls) throws X {
		return calls.run();
	}

	/**
	 * Work that calls iAdvize, for {@link #together}.
	 * @param <T> its result
	 * @param <X> what it throws
	 */
	@FunctionalInterface
	interface Calls<T, X extends Exception> {

		T run() throws X;

	}

}
