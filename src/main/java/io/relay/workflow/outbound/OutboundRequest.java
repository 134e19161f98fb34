package io.relay.workflow.outbound;

import java.net.URI;
import java.util.Map;
import java.util.Set;

import org.springframework.http.HttpMethod;

/**
 * A rendered request, ready to be sent by an {@link OutboundClient}.
 *
 * @param headers the configured headers, rendered
 * @param body the JSON body as it will be sent and signed
 * @param fixedText the body's strings that are the template's own words (no value filled in): the only ones of its
 * strings that an error quoting the target's answer may show
 */
public record OutboundRequest(HttpMethod method, URI uri, Map<String, String> headers, byte[] body,
		Set<String> fixedText) {

	public OutboundRequest {
		headers = Map.copyOf(headers);
		fixedText = Set.copyOf(fixedText);
	}

	/** A request whose body's strings are all data (none is the template's own). */
	public OutboundRequest(HttpMethod method, URI uri, Map<String, String> headers, byte[] body) {
		this(method, uri, headers, body, Set.of());
	}

	/** This request with another body (rendered from the same template). */
	public OutboundRequest withBody(byte[] body) {
		return new OutboundRequest(this.method, this.uri, this.headers, body, this.fixedText);
	}

	// The body holds personal data (names, emails, transcripts): never print it.
	@Override
	public String toString() {
		return "OutboundRequest[" + this.method + " " + OutboundClient.describe(this.uri) + ", headers="
				+ this.headers.keySet() + ", body=<" + this.body.length + " bytes>]";
	}

}
