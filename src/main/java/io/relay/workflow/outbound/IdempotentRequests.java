package io.relay.workflow.outbound;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Sends a request so that one {@code Idempotency-Key} always goes with one body. The first attempt under a key keeps
 * its body (table {@code outbound_request}) before it is sent; every later attempt under the key (a retry, a replay,
 * another delivery finishing the same create) sends that body, even when the data it was rendered from has changed
 * since. Receivers that honour the key (Stripe's convention, the IETF draft) compare the bodies: a different one
 * under a known key is refused, or acted on twice by a lax one.
 * <p>
 * The kept row counts the attempts that may have acted under the key ({@code attempts}): each attempt counts
 * before it is sent (a crash mid-request leaves it counted), and gives its count back when its outcome proves the
 * receiver did nothing (never sent, never connected, a 429, a definite rejection). A definite rejection (a 3xx or
 * a 4xx that is not retried) when no other attempt may have acted forgets the body: nothing was done under the key,
 * and an operator who fixes a template and replays wants the new rendering. After an attempt of unknown outcome (a
 * timeout, a 5xx), or while another attempt is in flight, a rejection keeps the body: what was maybe done stays
 * tied to its key.
 */
@Component
public class IdempotentRequests {

	/** How many times an attempt looks for its key's row when other attempts keep it and drop it in between. */
	private static final int KEEP_TRIES = 5;

	private final JdbcTemplate jdbc;

	private final Clock clock;

	IdempotentRequests(JdbcTemplate jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/**
	 * Sends {@code request} with the body kept for {@code key}, keeping its own first when there is none.
	 * @param eventId the event the key belongs to (the kept body goes when the event is purged)
	 * @return the 2xx answer
	 * @throws OutboundException as {@link OutboundClient#send} does; after it, {@link #has} tells whether the key is
	 * still bound to a body (whether the receiver may have acted under it)
	 */
	public OutboundResponse send(OutboundClient client, OutboundRequest request, String key, String eventId)
			throws OutboundException {
		return send(client, request, key, eventId, () -> null);
	}

	/**
	 * As {@link #send(OutboundClient, OutboundRequest, String, String)}, with a last check made once the body is
	 * kept and before it is sent: whatever the check records can count on {@link #has} being true for the key.
	 * @throws OutboundException (retryable, nothing sent, the attempt given back) when the check says not to send
	 */
	public OutboundResponse send(OutboundClient client, OutboundRequest request, String key, String eventId,
			LastCheck check) throws OutboundException {
		return send(client, request, key, eventId, check, false);
	}

	/**
	 * As {@link #send(OutboundClient, OutboundRequest, String, String, LastCheck)}, for a key the caller found bound
	 * to a body ({@link #has}) and must send only with that body: should it have gone meanwhile (purged with its
	 * event), nothing is sent and {@code request}'s own body is not bound to the key.
	 * @throws OutboundException (retryable, nothing sent) when the body is gone
	 */
	public OutboundResponse resend(OutboundClient client, OutboundRequest request, String key, String eventId,
			LastCheck check) throws OutboundException {
		return send(client, request, key, eventId, check, true);
	}

	private OutboundResponse send(OutboundClient client, OutboundRequest request, String key, String eventId,
			LastCheck check, boolean keptOnly) throws OutboundException {
		byte[] kept = keep(key, eventId, request.body(), keptOnly);
		String notToSend;
		try {
			notToSend = check.reasonNotToSend();
		}
		catch (RuntimeException ex) {
			throw givenBackAfter(key, ex);
		}
		if (notToSend != null) {
			giveBack(key, true);
			throw OutboundException.retryableNotActedOn(notToSend, null, null, null);
		}
		try {
			return client.send(request.withBody(kept), key);
		}
		catch (OutboundException ex) {
			if (ex.receiverDidNothing()) {
				giveBack(key, !ex.retryable());
			}
			throw ex;
		}
	}

	/** Whether a body is kept for {@code key}: something may have been done under it. */
	public boolean has(String key) {
		return !bodies(key).isEmpty();
	}

	/**
	 * The body kept for {@code key}, counting this attempt: the one already there, else {@code body}, kept now
	 * (unless {@code keptOnly}).
	 * @throws OutboundException (retryable, nothing sent) when {@code keptOnly} and no body is kept; or (retryable, nothing sent) when other attempts under the key kept and dropped their
	 * row between this attempt's looks {@value #KEEP_TRIES} times in a row
	 */
	private byte[] keep(String key, String eventId, byte[] body, boolean keptOnly) throws OutboundException {
		for (int tries = 0; tries < KEEP_TRIES; tries++) {
			if (this.jdbc.update("update outbound_request set attempts = attempts + 1 where idempotency_key = ?",
					key) > 0) {
				List<byte[]> kept = bodies(key);
				if (!kept.isEmpty()) {
					return kept.getFirst();
				}
				// Gone again only if the event was purged meanwhile.
			}
			if (keptOnly) {
				// The insert below would bind this attempt's own body to a key that went with another: the caller
				// decides again, now that the key has no body.
				throw OutboundException.retryableNotActedOn("the body kept for this Idempotency-Key is gone "
						+ "(purged with its event): nothing was sent under it", null, null, null);
			}
			try {
				this.jdbc.update("insert into outbound_request (idempotency_key, event_id, body, attempts, created_at) "
						+ "values (?, ?, ?, 1, ?)", key, eventId, body, Timestamp.from(this.clock.instant()));
				return body;
			}
			catch (DuplicateKeyException ex) {
				// Kept at the same moment by another attempt under the key: that body is the one, and this attempt
				// counts on its row like any later one (uncounted, its give-back would take the other's count, and a
				// rejection could then forget a body the other may have acted under). Unless that attempt was
				// refused and dropped the row meanwhile: then this one keeps its own.
			}
		}
		throw OutboundException.retryableNotActedOn("the body for this Idempotency-Key could not be kept: other "
				+ "attempts under the key kept and dropped it " + KEEP_TRIES + " times while this one looked", null,
				null, null);
	}

	/**
	 * Takes back an attempt that did nothing at the receiver; after a definite rejection, forgets the body if no
	 * other attempt may have acted under the key.
	 */
	private void giveBack(String key, boolean rejected) {
		this.jdbc.update("update outbound_request set attempts = attempts - 1 where idempotency_key = ? and "
				+ "attempts > 0", key);
		if (rejected) {
			this.jdbc.update("delete from outbound_request where idempotency_key = ? and attempts = 0", key);
		}
	}

	/**
	 * {@code failure} of a check, after giving this attempt back (nothing was sent: it did nothing under the key);
	 * when the give-back fails too (the database is down), the check's failure says more, the other is suppressed.
	 */
	private RuntimeException givenBackAfter(String key, RuntimeException failure) {
		try {
			giveBack(key, false);
		}
		catch (RuntimeException alsoFailed) {
			failure.addSuppressed(alsoFailed);
		}
		return failure;
	}

	/** A check made once a request's body is kept, just before it is sent. */
	@FunctionalInterface
	public interface LastCheck {

		/** Why the request must not be sent now (it is retried later), or {@code null} to send it. */
		@Nullable String reasonNotToSend();

	}

	private List<byte[]> bodies(String key) {
		return this.jdbc.query("select body from outbound_request where idempotency_key = ?",
				(rs, n) -> rs.getBytes(1), key);
	}

}
