package io.relay.workflow.outbound;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import tools.jackson.core.JsonPointer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class OutboundResponseTests {

	@Test
	void readsAScalarAtAJsonPointerAsText() {
		JsonPointer id = OutboundResponse.pointer("/ticket/id", "p");
		assertThat(response("{\"ticket\": {\"id\": 35436}}").valueAt(id)).contains("35436");
		assertThat(response("{\"ticket\": {\"id\": \"T-1\"}}").valueAt(id)).contains("T-1");
	}

	@Test
	void findsNothingWhereThereIsNoIdToKeep() {
		JsonPointer id = OutboundResponse.pointer("/id", "p");
		assertThat(response("").valueAt(id)).isEmpty();
		assertThat(response("<html>Created</html>").valueAt(id)).isEmpty();
		assertThat(response("{\"id\": null}").valueAt(id)).isEmpty();
		assertThat(response("{\"id\": {\"value\": 1}}").valueAt(id)).isEmpty();
		assertThat(response("{\"other\": 1}").valueAt(id)).isEmpty();
		assertThat(response("{\"id\": \"" + "x".repeat(1001) + "\"}").valueAt(id)).isEmpty();
	}

	@Test
	void aPointerFromConfigurationIsChecked() {
		assertThatIllegalArgumentException().isThrownBy(() -> OutboundResponse.pointer("id", "relay.x.id-pointer"))
			.withMessage("relay.x.id-pointer must be a JSON pointer like /id, but was 'id'");
	}

	private static OutboundResponse response(String body) {
		return new OutboundResponse(201, new HttpHeaders(), body.getBytes(StandardCharsets.UTF_8));
	}

}
