package io.relay.workflow.outbound;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs requests the way the <a href="https://www.standardwebhooks.com">Standard Webhooks</a> specification says,
 * so that any of its verifiers accepts them: {@code webhook-signature} is {@code v1,<base64 HMAC-SHA256>} of
 * {@code <webhook-id>.<webhook-timestamp>.<body>} under the secret's bytes, one signature per secret, separated by
 * spaces.
 */
public final class StandardWebhooks {

	public static final String ID = "webhook-id";

	public static final String TIMESTAMP = "webhook-timestamp";

	public static final String SIGNATURE = "webhook-signature";

	static final String SECRET_PREFIX = "whsec_";

	private static final int MIN_KEY_BYTES = 24;

	private static final int MAX_KEY_BYTES = 64;

	private final List<byte[]> keys;

	private StandardWebhooks(List<byte[]> keys) {
		this.keys = keys;
	}

	/**
	 * @param secrets {@code whsec_<base64>} secrets, as validated by {@link OutboundProperties#validate(String)}
	 */
	public static StandardWebhooks of(List<String> secrets) {
		List<byte[]> keys = new ArrayList<>();
		for (String secret : secrets) {
			keys.add(decode(secret, "signing secret"));
		}
		return new StandardWebhooks(List.copyOf(keys));
	}

	/** Whether there is anything to sign with. */
	public boolean enabled() {
		return !this.keys.isEmpty();
	}

	/**
	 * The {@code webhook-id} for a delivery: stable across retries and replays (it is derived from the idempotency
	 * key), and free of {@code .}, which the signed content uses as its separator.
	 */
	public static String messageId(String idempotencyKey) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-256").digest(idempotencyKey.getBytes(StandardCharsets.UTF_8));
			return "msg_" + HexFormat.of().formatHex(digest, 0, 16);
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The {@code webhook-signature} value.
	 * @param id the {@code webhook-id}
	 * @param timestamp the {@code webhook-timestamp}, seconds since the epoch
	 * @param body the body exactly as sent
	 */
	public String sign(String id, long timestamp, byte[] body) {
		byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
		List<String> signatures = new ArrayList<>();
		for (byte[] key : this.keys) {
			try {
				Mac mac = Mac.getInstance("HmacSHA256");
				mac.init(new SecretKeySpec(key, "HmacSHA256"));
				mac.update(prefix);
				signatures.add("v1," + Base64.getEncoder().encodeToString(mac.doFinal(body)));
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("HmacSHA256 is not available", ex);
			}
		}
		return String.join(" ", signatures);
	}

	/**
	 * The key bytes of a {@code whsec_<base64>} secret.
	 * @param property names the secret in the message of the exception, which never repeats the secret
	 * @throws IllegalArgumentException when the secret is not in that form, or its key is shorter than 24 bytes or
	 * longer than 64
	 */
	static byte[] decode(String secret, String property) {
		if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
			throw new IllegalArgumentException(property + " must start with '" + SECRET_PREFIX
					+ "' followed by the base64 of 24 to 64 random bytes (a Standard Webhooks secret)");
		}
		byte[] key;
		try {
			key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()).strip());
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(property + " must be '" + SECRET_PREFIX
					+ "' followed by valid base64, but its base64 part cannot be decoded");
		}
		if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
			throw new IllegalArgumentException(property + " must hold 24 to 64 bytes after '" + SECRET_PREFIX
					+ "', but holds " + key.length);
		}
		return key;
	}

}
