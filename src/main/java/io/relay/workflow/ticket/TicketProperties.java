package io.relay.workflow.ticket;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.relay.event.Channel;
import io.relay.workflow.outbound.OutboundProperties;
import io.relay.workflow.outbound.OutboundResponse;
import io.relay.workflow.outbound.OutboundTemplate;
import io.relay.workflow.outbound.RequestTemplate;
import io.relay.workflow.outbound.TemplateModel;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code ticket} workflow (see {@code docs/workflows.md}). Checked at startup when enabled: a wrong or missing
 * setting stops Relay with a message naming the property.
 *
 * @param enabled whether closed conversations become tickets (off by default)
 * @param channels only conversations on these channels ({@code chat}, {@code call}...); empty: all
 * @param projects only conversations of these iAdvize project ids; empty: all
 * @param keywords a ticket only when the transcript contains one of these words (case-insensitive), or the
 * satisfaction is low; empty, with no {@code low-satisfaction}: every conversation gets a ticket
 * @param lowSatisfaction a ticket only when the visitor's CSAT answer is at most this, or the transcript has a
 * keyword; not set: satisfaction plays no part
 * @param satisfactionWait with {@code low-satisfaction}: how long after the close a conversation without a keyword
 * and without a CSAT answer yet waits for one before it is skipped
 * @param conversationUrl the link back to the conversation, a template like the request's URL (for example
 * {@code https://agent.example.com/conversations/{{conversation.id}}}); available as {@code {{conversation.url}}}
 * @param request the request that creates the ticket
 * @param idPointer where the answer holds the new ticket's id, as a JSON pointer; the id is shown in the admin API
 * and stops a replay from creating a second ticket. Empty: no id is read.
 * @param http how the ticketing system is reached: timeouts, concurrency, authentication, signing secrets
 */
@ConfigurationProperties("relay.workflows.ticket")
record TicketProperties(boolean enabled, @DefaultValue Set<Channel> channels, @DefaultValue Set<Long> projects,
		@DefaultValue List<String> keywords, @Nullable Integer lowSatisfaction,
		@DefaultValue("30m") Duration satisfactionWait, @Nullable String conversationUrl,
		@DefaultValue @NestedConfigurationProperty RequestTemplate request, @DefaultValue("/id") String idPointer,
		@DefaultValue @NestedConfigurationProperty OutboundProperties http) {

	static final String PREFIX = "relay.workflows.ticket";

	TicketProperties {
		channels = Set.copyOf(channels);
		projects = Set.copyOf(projects);
		keywords = keywords.stream().map(String::strip).filter((keyword) -> !keyword.isEmpty()).toList();
		conversationUrl = (conversationUrl == null || conversationUrl.isBlank()) ? null : conversationUrl.strip();
		idPointer = idPointer.strip();
		if (enabled) {
			if (channels.contains(Channel.UNKNOWN)) {
				throw new IllegalArgumentException(
						PREFIX + ".channels must name known channels (chat, call, video...)");
			}
			if (lowSatisfaction != null && lowSatisfaction < 0) {
				throw new IllegalArgumentException(
						PREFIX + ".low-satisfaction must not be negative, but was " + lowSatisfaction);
			}
			if (satisfactionWait.isNegative()) {
				throw new IllegalArgumentException(
						PREFIX + ".satisfaction-wait must not be negative, but was " + satisfactionWait);
			}
			http.validate(PREFIX + ".http");
			if (!request.isConfigured()) {
				throw new IllegalArgumentException(PREFIX + ".request.url and " + PREFIX
						+ ".request.body are required when the ticket workflow is enabled");
			}
			requestTemplate(request);
			if (conversationUrl != null) {
				conversationUrlTemplate(conversationUrl);
			}
			if (!idPointer.isEmpty()) {
				OutboundResponse.pointer(idPointer, PREFIX + ".id-pointer");
			}
		}
	}

	/** Whether only some conversations get a ticket. */
	boolean conditional() {
		return !this.keywords.isEmpty() || this.lowSatisfaction != null;
	}

	OutboundTemplate requestTemplate() {
		return requestTemplate(this.request);
	}

	OutboundTemplate.@Nullable UrlTemplate conversationUrlTemplate() {
		return (this.conversationUrl != null) ? conversationUrlTemplate(this.conversationUrl) : null;
	}

	private static OutboundTemplate requestTemplate(RequestTemplate request) {
		return OutboundTemplate.compile(request, PREFIX + ".request", sample());
	}

	private static OutboundTemplate.UrlTemplate conversationUrlTemplate(String url) {
		return OutboundTemplate.url(url, PREFIX + ".conversation-url", sample());
	}

	/** Every name a ticket template may use, with a value. */
	static Map<String, Object> sample() {
		return TemplateModel.sample().with("ticket", TicketHandler.ticketSection("keyword", List.of("refund"), 1)).asMap();
	}

}
