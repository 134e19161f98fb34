package io.relay.webhook;

import java.nio.charset.StandardCharsets;
import java.util.List;

import io.relay.support.WebhookSignatures;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SignatureVerifierTests {

	private static final byte[] BODY = "{\"eventId\":\"e-1\",\"eventType\":\"user.created\"}"
		.getBytes(StandardCharsets.UTF_8);

	private final SignatureVerifier verifier = new SignatureVerifier(List.of("current", "previous"));

	@Test
	void acceptsASignatureUnderAnyConfiguredSecret() {
		assertThat(this.verifier.verify(BODY, WebhookSignatures.sign("current", BODY))).isTrue();
		assertThat(this.verifier.verify(BODY, WebhookSignatures.sign("previous", BODY))).isTrue();
	}

	@Test
	void matchesWhatOpensslComputesAsIAdvizeDocumentsIt() {
		// printf 'hello' | openssl dgst -sha256 -hmac key -hex  (the command iAdvize's docs give for signing by hand)
		byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
		String expected = "sha256=9307b3b915efb5171ff14d8cb55fbcc798c6c0ef1456d66ded1a6aa723a58b7b";
		assertThat(new SignatureVerifier(List.of("key")).verify(body, expected)).isTrue();
	}

	@Test
	void ignoresCaseOfPrefixAndHexAndSurroundingSpace() {
		String signature = WebhookSignatures.sign("current", BODY);
		assertThat(this.verifier.verify(BODY, "  SHA256=" + signature.substring(7).toUpperCase() + " ")).isTrue();
	}

	@Test
	void refusesEverythingElse() {
		String signature = WebhookSignatures.sign("current", BODY);
		assertThat(this.verifier.verify(BODY, null)).isFalse();
		assertThat(this.verifier.verify(BODY, "")).isFalse();
		assertThat(this.verifier.verify(BODY, WebhookSignatures.sign("other", BODY))).isFalse();
		assertThat(this.verifier.verify(BODY, signature.substring(0, signature.length() - 1))).isFalse();
		assertThat(this.verifier.verify(BODY, signature + "0")).isFalse();
		assertThat(this.verifier.verify(BODY, signature.substring(7))).isFalse();
		assertThat(this.verifier.verify(BODY, "sha1=" + signature.substring(7))).isFalse();
		assertThat(this.verifier.verify(BODY, "sha256=" + "zz".repeat(32))).isFalse();
		byte[] changed = BODY.clone();
		changed[5] ^= 1;
		assertThat(this.verifier.verify(changed, signature)).isFalse();
	}

	@Test
	void needsASecret() {
		assertThatIllegalArgumentException().isThrownBy(() -> new SignatureVerifier(List.of()));
	}

}
