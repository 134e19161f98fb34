package io.relay.support;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs bodies the way iAdvize does, so that tests send real signatures and never hard-coded ones.
 */
public final class WebhookSignatures {

	private WebhookSignatures() {
	}

	/** {@code sha256=} followed by the lowercase hex HMAC-SHA256 of {@code body} under {@code secret}. */
	public static String sign(String secret, byte[] body) {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
			return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public static String sign(String secret, String body) {
		return sign(secret, body.getBytes(StandardCharsets.UTF_8));
	}

}
