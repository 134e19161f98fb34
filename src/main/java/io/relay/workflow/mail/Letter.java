package io.relay.workflow.mail;

import java.util.Map;

/**
 * What a workflow wants to send: to whom, and the values its templates show.
 *
 * @param model the templates' variables (values may be null); {@link VisitorMail} adds {@code firstName}, {@code lastName},
 * {@code conversationId} and {@code projectId}
 */
public record Letter(Recipient to, Map<String, Object> model) {

	public Letter {
		model = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(model));
	}

}
