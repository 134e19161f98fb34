package io.relay.workflow.outbound;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.standardwebhooks.Webhook;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNoException;

class StandardWebhooksTests {

	/** The example of the reference implementations' tests (standard-webhooks/standard-webhooks). */
	@Test
	void signsTheSpecificationsExampleToItsExpectedSignature() {
		StandardWebhooks signer = StandardWebhooks.of(List.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
		assertThat(signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
				"{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)))
			.isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	}

	@Test
	void signsWithEverySecretSoThatTheReceiverCanRotate() {
		String previous = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
		String next = "whsec_" + Base64.getEncoder().encodeToString("a new secret of thirty-two bytes".getBytes());
		byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
		String both = StandardWebhooks.of(List.of(previous, next)).sign("msg_1", 1614265330, body);

		// One signature per secret, each the one that secret alone gives: a receiver that holds either accepts.
		assertThat(both.split(" ")).containsExactly(
				StandardWebhooks.of(List.of(previous)).sign("msg_1", 1614265330, body),
				StandardWebhooks.of(List.of(next)).sign("msg_1", 1614265330, body));
		assertThat(both.split(" ")[0]).isNotEqualTo(both.split(" ")[1]);
		// And the reference verifier, given only the new secret, accepts the pair (signed now: it checks the time against the system clock).
		long now = System.currentTimeMillis() / 1000;
		String signed = StandardWebhooks.of(List.of(previous, next)).sign("msg_1", now, body);
		Map<String, List<String>> headers = Map.of("webhook-id", List.of("msg_1"), "webhook-timestamp",
				List.of(Long.toString(now)), "webhook-signature", List.of(signed));
		assertThatNoException().isThrownBy(() -> new Webhook(next).verify(new String(body, StandardCharsets.UTF_8),
				headers));
		assertThatNoException().isThrownBy(() -> new Webhook(previous).verify(new String(body, StandardCharsets.UTF_8),
				headers));
	}

	@Test
	void theMessageIdIsStableAndHasNoFullStop() {
		String id = StandardWebhooks.messageId("event.with.dots:lead");
		assertThat(id).isEqualTo(StandardWebhooks.messageId("event.with.dots:lead"))
			.startsWith("msg_")
			.doesNotContain(".")
			.isNotEqualTo(StandardWebhooks.messageId("event.with.dots:ticket"));
	}

	@Test
	void aSecretMustBeAStandardWebhooksSecretAndIsNeverRepeatedInTheMessage() {
		assertThatIllegalArgumentException().isThrownBy(() -> StandardWebhooks.decode("plain-password-123", "p.s"))
			.withMessageStartingWith("p.s must start with 'whsec_'")
			.withMessageNotContaining("plain-password-123");
		assertThatIllegalArgumentException().isThrownBy(() -> StandardWebhooks.decode("whsec_!!not-base64!!", "p.s"))
			.withMessageContaining("p.s must be 'whsec_' followed by valid base64")
			.withMessageNotContaining("not-base64");
		assertThatIllegalArgumentException().isThrownBy(() -> StandardWebhooks.decode("whsec_c2hvcnQ=", "p.s"))
			.withMessage("p.s must hold 24 to 64 bytes after 'whsec_', but holds 5");
	}

}
