package io.relay.workflow.outbound;

import java.net.URI;
import java.util.Map;

import org.springframework.http.HttpMethod;

/**
 * A rendered request, ready to be sent by an {@link OutboundClient}.
 *
 * @param headers the configured headers, rendered
 * @param body the JSON body as it will be sent and signed
 */
public record OutboundRequest(HttpMethod method, URI uri, Map<String, String> headers, byte[] body) {

	public OutboundRequest {
		headers = Map.copyOf(headers);
	}

	/** This request with another body. */
	public OutboundRequest withBody(byte[] body) {
		return new OutboundRequest(this.method, this.uri, this.headers, body);
	}

	// The body holds personal data (names, emails, transcripts): never print it.
	@Override
	public String toString() {
		return "OutboundRequest[" + this.method + " " + OutboundClient.describe(this.uri) + ", headers="
				+ this.headers.keySet() + ", body=<" + this.body.length + " bytes>]";
	}

}
