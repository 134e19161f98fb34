package io.relay.event;

import java.time.OffsetDateTime;

import org.jspecify.annotations.Nullable;

/**
 * {@code satisfaction.answered}: the visitor clicked an answer in a satisfaction survey. iAdvize sends one event per
 * click, each carrying one of the three answers; a later click replaces an earlier answer to the same question.
 *
 * @param customerSatisfaction the CSAT answer, when this click answered it
 * @param netPromoterScore the NPS answer (0 to 10), when this click answered it
 * @param satisfactionComment the free-text comment, when this click answered it
 */
public record SatisfactionAnswered(String eventId, Platform platform, @Nullable Long projectId,
		@Nullable Long clientId, @Nullable String conversationId, @Nullable Integer customerSatisfaction,
		@Nullable Integer netPromoterScore, @Nullable String satisfactionComment, @Nullable OffsetDateTime createdAt,
		@Nullable OffsetDateTime sentAt) implements IAdvizeEvent {

	public static final String TYPE = "satisfaction.answered";

	public SatisfactionAnswered {
		Events.require(eventId, "eventId");
		platform = Platform.orUnknown(platform);
	}

	@Override
	public String eventType() {
		return TYPE;
	}

}
