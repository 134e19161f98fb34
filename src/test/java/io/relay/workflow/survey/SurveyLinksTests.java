package io.relay.workflow.survey;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import io.relay.dispatch.HandlerResult;
import io.relay.event.Channel;
import io.relay.event.ConversationClosed;
import io.relay.event.Platform;
import io.relay.workflow.mail.ClosedConversation;
import io.relay.workflow.mail.Stop;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The survey link itself, without a mail server: what goes into it, and an id that cannot be signed.
 */
class SurveyLinksTests {

	private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

	private static final String SECRET = "a-secret-of-at-least-thirty-two-characters";

	private final SurveyLinks links = new SurveyLinks("https://survey.example.com/s/{projectId}?c={conversationId}&t={token}",
			SECRET, Clock.fixed(NOW, ZoneOffset.UTC));

	@Test
	void theLinkCarriesTheEncodedIdsAndATokenForThem() {
		URI link = URI.create(this.links.linkFor(closed("conversation 1", "visitor-1")));
		assertThat(link.getPath()).isEqualTo("/s/1549");
		assertThat(link.getRawQuery()).startsWith("c=conversation%201&t=" + NOW.getEpochSecond() + ".");
		assertThat(link.getQuery()).startsWith("c=conversation 1&t=");
	}

	@Test
	void anIdInThePathReadsBackAsItWas() {
		SurveyLinks inPath = new SurveyLinks("https://survey.example.com/c/{conversationId}/{visitorId}?t={token}",
				SECRET, Clock.fixed(NOW, ZoneOffset.UTC));
		URI link = URI.create(inPath.linkFor(closed("conversation 1+2", "visitor/é?&#")));
		assertThat(link.getRawPath()).isEqualTo("/c/conversation%201%2B2/visitor%2F%C3%A9%3F%26%23");
		assertThat(link.getPath()).isEqualTo("/c/conversation 1+2/visitor/é?&#");
		assertThat(link.getRawQuery()).startsWith("t=" + NOW.getEpochSecond() + ".");
	}

	@Test
	void anIdWithALineFeedIsAPermanentFailureNotARetry() {
		// Signing it throws every time: retried, the delivery would only use up its attempts.
		Stop stop = catchThrowableOfType(Stop.class, () -> this.links.linkFor(closed("conversation\n1", "visitor-1")));
		assertThat(stop.result()).isInstanceOfSatisfying(HandlerResult.PermanentFailure.class,
				(failure) -> assertThat(failure.reason()).contains("line feed"));
		SurveyLinks withVisitor = new SurveyLinks("https://survey.example.com/s?c={conversationId}&v={visitorId}"
				+ "&t={token}", SECRET, Clock.fixed(NOW, ZoneOffset.UTC));
		Stop visitor = catchThrowableOfType(Stop.class, () -> withVisitor.linkFor(closed("conversation-1", "visitor\n1")));
		assertThat(visitor.result()).isInstanceOf(HandlerResult.PermanentFailure.class);
	}

	@Test
	void theTokenSignsTheIdsTheLinkCarriesAndNothingForThoseItLeavesOut() {
		// This template carries the project and the conversation, not the visitor: the site verifies with those.
		URI link = URI.create(this.links.linkFor(closed("conversation-1", "visitor-1")));
		String token = link.getRawQuery().substring(link.getRawQuery().indexOf("t=") + 2);

		assertThat(SurveyTokens.verify(SECRET, "conversation-1", null, "1549", token, NOW, null)).isTrue();
		assertThat(SurveyTokens.verify(SECRET, "conversation-1", "visitor-1", "1549", token, NOW, null)).isFalse();
		// A visitor id the link does not carry cannot make it fail either
		assertThat(this.links.linkFor(closed("conversation-1", "visitor\n1"))).contains("c=conversation-1");
	}

	private static ClosedConversation closed(String conversationId, String visitorId) {
		ConversationClosed event = new ConversationClosed("event-1", Platform.HA, 1549L, 335L, conversationId,
				List.of(15253L), null, Channel.CHAT, visitorId, OffsetDateTime.parse("2026-11-25T10:00:00Z"), null);
		return ClosedConversation.of(event);
	}

}
