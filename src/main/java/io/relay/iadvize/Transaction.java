package io.relay.iadvize;

import java.math.BigDecimal;
import java.time.LocalDateTime;

import org.jspecify.annotations.Nullable;

/**
 * A purchase from the REST {@code transaction} resource.
 *
 * @param externalId the merchant's own transaction reference
 * @param amount exact, as iAdvize wrote it
 * @param createdAt as iAdvize wrote it; the REST API does not say in which time zone
 */
public record Transaction(long id, @Nullable String externalId, @Nullable String visitorUniqueId,
		@Nullable String visitorEmail, @Nullable BigDecimal amount, @Nullable LocalDateTime createdAt,
		@Nullable Long websiteId, @Nullable Long operatorId, @Nullable Long conversationId) {

	@Override
	public String toString() {
		return "Transaction[id=" + this.id + ", externalId=" + this.externalId + ", amount=" + this.amount
				+ ", conversationId=" + this.conversationId + "]";
	}

}
