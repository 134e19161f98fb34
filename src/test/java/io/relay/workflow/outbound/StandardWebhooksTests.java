package io.relay.workflow.outbound;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

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
		StandardWebhooks signer = StandardWebhooks.of(List.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
				"whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32])));
		assertThat(signer.sign("msg_1", 1, new byte[0]).split(" ")).hasSize(2).allMatch((s) -> s.startsWith("v1,"));
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
