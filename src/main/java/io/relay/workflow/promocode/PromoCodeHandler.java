package io.relay.workflow.promocode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

import io.relay.dispatch.Delivery;
import io.relay.event.ConversationEvent;
import io.relay.workflow.mail.ClosedConversation;
import io.relay.workflow.mail.Letter;
import io.relay.workflow.mail.Recipient;
import io.relay.workflow.mail.Stop;
import io.relay.workflow.mail.VisitorMail;
import io.relay.workflow.mail.VisitorMailHandler;

/**
 * Emails the visitor of a closed conversation a code from the campaign's pool: the same code on every attempt for
 * that conversation, none for a visitor who had one of this campaign before, and a wait (retry) while the pool is
 * empty or, with {@code require-transaction}, until a transaction is attributed to the conversation.
 */
class PromoCodeHandler extends VisitorMailHandler {

	private final PromoCodeProperties properties;

	private final PromoCodePool pool;

	private final PromoCodeTransactions transactions;

	private final PromoCodeStats stats;

	private final Clock clock;

	PromoCodeHandler(PromoCodeProperties properties, VisitorMail mail, PromoCodePool pool,
			PromoCodeTransactions transactions, PromoCodeStats stats, Clock clock) {
		super(PromoCodeProperties.NAME, properties.settings(), mail);
		this.properties = properties;
		this.pool = pool;
		this.transactions = transactions;
		this.stats = stats;
		this.clock = clock;
	}

	@Override
	protected Letter compose(Delivery<ConversationEvent> delivery, ClosedConversation conversation) {
		if (this.properties.requireTransaction()) {
			requireTransaction(delivery, conversation);
		}
		Recipient to = mail().recipient(conversation, settings());
		mail().requireVisitorMessagesWhenKnown(conversation, settings());
		String campaign = this.properties.campaign();
		String visitorKey = visitorKey(to.address());
		PromoCodePool.Assignment assignment = this.pool.assign(campaign, visitorKey, to.visitor().id(),
				conversation.conversationId(), delivery.idempotencyKey());
		return switch (assignment) {
			// Once sent, the code is this address's, whichever address the attempt that took it had.
			case PromoCodePool.Assignment.Assigned assigned -> new Letter(to,
					Map.of("code", assigned.code(), "campaign", campaign),
					() -> this.pool.keepFor(campaign, assigned.code(), visitorKey));
			case PromoCodePool.Assignment.AlreadyAssigned already -> throw Stop.skip("the visitor already received a "
					+ "code of campaign '" + campaign + "' (conversation " + already.conversationId() + ")");
			case PromoCodePool.Assignment.PoolEmpty empty -> {
				this.stats.foundEmpty();
				throw Stop.retryAfter("the promo code pool of campaign '" + campaign + "' is empty: import or generate "
						+ "codes (POST /admin/api/promo-codes/" + campaign + ")", this.properties.emptyPoolRetryInterval());
			}
		};
	}

	private void requireTransaction(Delivery<ConversationEvent> delivery, ClosedConversation conversation) {
		if (this.transactions.any(conversation.conversationId())) {
			return;
		}
		Duration waited = Duration.between(delivery.receivedAt(), this.clock.instant());
		Duration wait = this.properties.transactionWait();
		if (waited.compareTo(wait) >= 0) {
			throw Stop.skip("no transaction was attributed to the conversation within relay.workflows.promo-code."
					+ "transaction-wait (" + wait + ")");
		}
		Duration left = wait.minus(waited);
		Duration next = (left.compareTo(this.properties.transactionCheckInterval()) < 0) ? left
				: this.properties.transactionCheckInterval();
		throw Stop.retryAfter("waiting for a transaction to be attributed to the conversation (until "
				+ delivery.receivedAt().plus(wait) + ")", next);
	}

	/** The visitor as the pool knows them: a hash of the address, which the pool needs to compare, never to read. */
	static String visitorKey(String address) {
		try {
			byte[] hash = MessageDigest.getInstance("SHA-256")
				.digest(address.strip().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
			return HexFormat.of().formatHex(hash);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
