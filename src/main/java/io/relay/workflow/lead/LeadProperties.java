package io.relay.workflow.lead;

import java.time.Duration;
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
 * The {@code lead} workflow (see {@code docs/workflows.md}). Checked at startup when enabled: a wrong or missing
 * setting stops Relay with a message naming the property.
 *
 * @param enabled whether visitors are sent to the CRM (off by default)
 * @param window how long after a visitor was sent their later events are skipped; after it, the next event sends
 * an update
 * @param channels only conversations on these channels ({@code chat}, {@code call}...); empty: all. Applies to
 * {@code v2.conversation.closed} only ({@code visitor.updated} names no channel).
 * @param projects only conversations of these iAdvize project ids; empty: all. Applies to
 * {@code v2.conversation.closed} only.
 * @param create the request that creates a contact: the first one sent for a visitor
 * @param update the request that updates a contact after the window; when not set, {@code create} is sent again
 * (with {@code lead.action} = {@code update}), for CRMs whose create is an upsert
 * @param idPointer where the CRM's answer to a create holds the contact's id, as a JSON pointer ({@code /id}); the
 * id is kept for later updates ({@code {{lead.externalId}}}) and shown in the admin API. Not set: no id is read.
 * @param http how the CRM is reached: timeouts, concurrency, authentication, signing secrets
 */
@ConfigurationProperties("relay.workflows.lead")
record LeadProperties(boolean enabled, @DefaultValue("24h") Duration window, @DefaultValue Set<Channel> channels,
		@DefaultValue Set<Long> projects, @DefaultValue @NestedConfigurationProperty RequestTemplate create,
		@DefaultValue @NestedConfigurationProperty RequestTemplate update,
		@Nullable String idPointer, @DefaultValue @NestedConfigurationProperty OutboundProperties http) {

	static final String PREFIX = "relay.workflows.lead";

	LeadProperties {
		channels = Set.copyOf(channels);
		projects = Set.copyOf(projects);
		idPointer = (idPointer == null || idPointer.isBlank()) ? null : idPointer.strip();
		if (enabled) {
			if (window.isNegative() || window.isZero()) {
				throw new IllegalArgumentException(PREFIX + ".window must be positive, but was " + window);
			}
			if (channels.contains(Channel.UNKNOWN)) {
				throw new IllegalArgumentException(PREFIX + ".channels must name known channels (chat, call, video...)");
			}
			http.validate(PREFIX + ".http");
			if (!create.isConfigured()) {
				throw new IllegalArgumentException(PREFIX + ".create.url and " + PREFIX
						+ ".create.body are required when the lead workflow is enabled");
			}
			createTemplate(create);
			if (update.isConfigured()) {
				updateTemplate(update);
			}
			if (idPointer != null) {
				OutboundResponse.pointer(idPointer, PREFIX + ".id-pointer");
			}
		}
	}

	OutboundTemplate createTemplate() {
		return createTemplate(this.create);
	}

	@Nullable OutboundTemplate updateTemplate() {
		return this.update.isConfigured() ? updateTemplate(this.update) : null;
	}

	private static OutboundTemplate createTemplate(RequestTemplate template) {
		return OutboundTemplate.compile(template, PREFIX + ".create", sample());
	}

	private static OutboundTemplate updateTemplate(RequestTemplate template) {
		return OutboundTemplate.compile(template, PREFIX + ".update", sample());
	}

	/** Every name a lead template may use, with a value. */
	static Map<String, Object> sample() {
		return TemplateModel.sample()
			.with("lead", LeadHandler.leadSection(LeadHandler.Action.UPDATE, "crm-1", java.time.Instant.now(),
					java.time.Instant.now(), 1))
			.asMap();
	}

}
