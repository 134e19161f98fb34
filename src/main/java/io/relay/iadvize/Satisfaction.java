package io.relay.iadvize;

import java.math.BigDecimal;
import java.time.LocalDateTime;

import org.jspecify.annotations.Nullable;

/**
 * A satisfaction survey answer from the REST {@code satisfaction} resource (deprecated by iAdvize in favour of
 * GraphQL, still served).
 *
 * @param welcome the welcome note, a percentage
 * @param resolution the resolution note, a percentage
 * @param delay the delay note, a percentage
 * @param createdAt as iAdvize wrote it; the REST API does not say in which time zone
 */
public record Satisfaction(long id, @Nullable BigDecimal welcome, @Nullable BigDecimal resolution,
		@Nullable BigDecimal delay, @Nullable String comment, @Nullable LocalDateTime createdAt,
		@Nullable Long websiteId, @Nullable Long operatorId, @Nullable Long conversationId) {

	@Override
	public String toString() {
		return "Satisfaction[id=" + this.id + ", conversationId=" + this.conversationId + "]";
	}

}
