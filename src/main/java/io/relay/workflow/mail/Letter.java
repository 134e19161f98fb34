package io.relay.workflow.mail;

import java.util.Map;

/**
 * What a workflow wants to send: to whom, and the values its templates show.
 *
 * @param model the templates' variables (values may be null); {@link VisitorMail} adds {@code firstName}, {@code lastName},
 * {@code conversationId} and {@code projectId}
 * @param afterSent what the workflow records once the SMTP server took the email (never when it did not, or may not
 * have); a failure there is logged, the email having gone out
 */
public record Letter(Recipient to, Map<String, Object> model, Runnable afterSent) {

	public Letter {
		model = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(model));
	}

	public Letter(Recipient to, Map<String, Object> model) {
		this(to, model, () -> {
		});
	}

}
