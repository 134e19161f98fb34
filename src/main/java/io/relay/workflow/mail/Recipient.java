package io.relay.workflow.mail;

import io.relay.iadvize.Visitor;

/**
 * The visitor an email goes to, with an address that is neither missing nor opted out.
 */
public record Recipient(String address, Visitor visitor) {

	// An email address is personal data: never in a log line.
	@Override
	public String toString() {
		return "Recipient[visitor=" + this.visitor.id() + "]";
	}

}
