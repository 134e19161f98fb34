package io.relay.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * Checks {@code X-iAdvize-Signature: sha256=<hex HMAC-SHA256 of the raw body>} against every configured secret, in
 * constant time, over the bytes exactly as received (re-serialised JSON would not match).
 */
final class SignatureVerifier {

	static final String ALGORITHM = "HmacSHA256";

	private static final String PREFIX = "sha256=";

	private static final int SIGNATURE_BYTES = 32;

	private final List<Mac> prototypes;

	SignatureVerifier(List<String> secrets) {
		if (secrets.isEmpty()) {
			throw new IllegalArgumentException("at least one secret is needed");
		}
		this.prototypes = secrets.stream().map(SignatureVerifier::newMac).toList();
	}

	/**
	 * Whether {@code header} is a valid signature of {@code body} under one of the secrets.
	 */
	boolean verify(byte[] body, @Nullable String header) {
		byte[] given = decode(header);
		if (given == null) {
			return false;
		}
		boolean valid = false;
		// Every secret is tried, so the time taken does not tell which one (if any) matched.
		for (Mac prototype : this.prototypes) {
			valid |= MessageDigest.isEqual(given, hmac(prototype, body));
		}
		return valid;
	}

	private static byte @Nullable [] decode(@Nullable String header) {
		if (header == null) {
			return null;
		}
		String value = header.trim();
		if (!value.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
				|| value.length() != PREFIX.length() + 2 * SIGNATURE_BYTES) {
			return null;
		}
		try {
			return HexFormat.of().parseHex(value.substring(PREFIX.length()).toLowerCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
	}

	private static byte[] hmac(Mac prototype, byte[] body) {
		try {
			// A clone is far cheaper than Mac.getInstance + init, and a Mac is not thread-safe.
			Mac mac = (Mac) prototype.clone();
			return mac.doFinal(body);
		}
		catch (CloneNotSupportedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Mac newMac(String secret) {
		try {
			Mac mac = Mac.getInstance(ALGORITHM);
			mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
			return mac;
		}
		catch (NoSuchAlgorithmException | InvalidKeyException ex) {
			throw new IllegalStateException("HmacSHA256 is not available in this JVM", ex);
		}
	}

}
