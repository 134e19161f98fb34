package io.relay.iadvize.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which error answers are iAdvize's own words (a 403 then refuses the credentials, for good) and which come from
 * something in between (retried).
 */
class FailuresTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	@ParameterizedTest
	@ValueSource(strings = { "{\"errors\": [{\"message\": \"Access denied\"}]}", "{\"error\": \"insufficient_scope\"}",
			"{\"error\": \"invalid_client\", \"error_description\": \"Bad credentials\"}" })
	void graphQlErrorsAndOAuthErrorCodesAreIAdvizesAnswer(String body) {
		assertThat(Failures.isErrorAnswer(JSON.readTree(body))).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "{\"errors\": []}", "{\"errors\": {\"message\": \"x\"}}", "{\"error\": {\"code\": 403}}",
			"{\"message\": \"Forbidden\"}", "[{\"error\": \"insufficient_scope\"}]", "\"Forbidden\"", "{}" })
	void otherJsonIsNot(String body) {
		assertThat(Failures.isErrorAnswer(JSON.readTree(body))).isFalse();
	}

	@Test
	void noBodyIsNot() {
		assertThat(Failures.isErrorAnswer((JsonNode) null)).isFalse();
	}

}
