package io.relay.event;

import java.math.BigDecimal;
import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * {@code transaction.attributed}: a purchase was attributed to a conversation.
 *
 * @param externalId the merchant's own transaction reference
 * @param amount kept exact: never a binary floating-point number for money
 */
public record TransactionAttributed(String eventId, Platform platform, @Nullable Long projectId,
		@Nullable Long clientId, @Nullable String transactionId, @Nullable OffsetDateTime receivedAt,
		@Nullable String externalId, @Nullable BigDecimal amount, @Nullable String conversationId,
		TransactionSource source, @Nullable Long operatorId, @Nullable OffsetDateTime createdAt,
		@Nullable OffsetDateTime sentAt) implements IAdvizeEvent {

	public static final String TYPE = "transaction.attributed";

	public TransactionAttributed {
		Events.require(eventId, "eventId");
		platform = Platform.orUnknown(platform);
		source = TransactionSource.orUnknown(source);
	}

	@Override
	public String eventType() {
		return TYPE;
	}

}
