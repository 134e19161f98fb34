package io.relay.workflow.outbound;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.springframework.http.HttpHeaders;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;

/**
 * A 2xx answer.
 *
 * @param body the body, at most {@link OutboundClient#MAX_BODY} bytes of it
 */
public record OutboundResponse(int status, HttpHeaders headers, byte[] body) {

	/**
	 * The scalar at a JSON pointer of the body ({@code /id}, {@code /data/ticket/id}), as text: how a workflow reads
	 * the id the target gave what it created.
	 * @return empty when the body is not JSON, or holds nothing there (or an object, an array, a {@code null}, a
	 * text longer than {@link ExternalReferences#MAX_VALUE}, which no id is)
	 */
	public Optional<String> valueAt(JsonPointer pointer) {
		if (this.body.length == 0) {
			return Optional.empty();
		}
		try {
			JsonNode node = OutboundTemplate.json.readTree(new String(this.body, StandardCharsets.UTF_8)).at(pointer);
			if (node.isValueNode() && !node.isNull() && node.asString().length() <= ExternalReferences.MAX_VALUE) {
				return Optional.of(node.asString());
			}
			return Optional.empty();
		}
		catch (JacksonException ex) {
			return Optional.empty();
		}
	}

	/**
	 * A JSON pointer from configuration.
	 * @throws IllegalArgumentException naming {@code property} when it is not a JSON pointer
	 */
	public static JsonPointer pointer(String value, String property) {
		try {
			JsonPointer pointer = JsonPointer.compile(value);
			if (pointer.matches()) {
				throw new IllegalArgumentException(property + " must point into the answer (like /id), not be empty");
			}
			return pointer;
		}
		catch (IllegalArgumentException ex) {
			if (ex.getMessage() != null && ex.getMessage().startsWith(property)) {
				throw ex;
			}
			throw new IllegalArgumentException(property + " must be a JSON pointer like /id, but was '" + value + "'");
		}
	}

	@Override
	public String toString() {
		return "OutboundResponse[status=" + this.status + ", body=<" + this.body.length + " bytes>]";
	}

}
