package io.relay.workflow.survey;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.jspecify.annotations.Nullable;

/**
 * The token of a survey link: proof that Relay built the link for these conversation, visitor and project ids.
 * <p>
 * {@code token = <issuedAt>.<signature>}, where {@code issuedAt} is the Unix time in seconds when the email was
 * composed and {@code signature} is the unpadded base64url HMAC-SHA256, keyed with the UTF-8 bytes of
 * {@code relay.workflows.survey.token-secret}, of the UTF-8 bytes of
 *
 * <pre>
 * relay-survey-v1\n&lt;issuedAt&gt;\n&lt;conversationId&gt;\n&lt;visitorId&gt;\n&lt;projectId&gt;
 * </pre>
 *
 * (an absent id is the empty string). A survey site verifies a link by computing the same over the ids it received
 * and comparing in constant time ({@link #verify}); {@code docs/workflows.md} shows it in Python and Node.js.
 */
public final class SurveyTokens {

	private static final String VERSION = "relay-survey-v1";

	private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

	private SurveyTokens() {
	}

	/** The token for these ids, issued at {@code issuedAt}. */
	public static String sign(String secret, String conversationId, @Nullable String visitorId,
			@Nullable String projectId, Instant issuedAt) {
		long seconds = issuedAt.getEpochSecond();
		return seconds + "." + signature(secret, seconds, conversationId, visitorId, projectId);
	}

	/**
	 * Whether {@code token} was made with {@code secret} for exactly these ids, at most {@code maxAge} ago.
	 * @param maxAge how old a link may be; {@code null} for no limit
	 */
	public static boolean verify(String secret, String conversationId, @Nullable String visitorId,
			@Nullable String projectId, @Nullable String token, Instant now, @Nullable Duration maxAge) {
		if (token == null) {
			return false;
		}
		int dot = token.indexOf('.');
		if (dot <= 0 || dot == token.length() - 1) {
			return false;
		}
		long seconds;
		try {
			seconds = Long.parseLong(token.substring(0, dot));
		}
		catch (NumberFormatException ex) {
			return false;
		}
		if (seconds <= 0 || !Long.toString(seconds).equals(token.substring(0, dot))) {
			return false; // only the canonical form ("+1", "007" are not), as every verifier reads it
		}
		// In the future (checked first: a time past Instant's range would not convert), or too old.
		if (seconds > now.plus(CLOCK_SKEW).getEpochSecond()
				|| (maxAge != null && Duration.between(Instant.ofEpochSecond(seconds), now).compareTo(maxAge) > 0)) {
			return false;
		}
		if (hasLineFeed(conversationId) || hasLineFeed(visitorId) || hasLineFeed(projectId)) {
			return false; // never signed (sign refuses them); a crafted link, answered no rather than an error
		}
		String expected = signature(secret, seconds, conversationId, visitorId, projectId);
		return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
				token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII));
	}

	private static String signature(String secret, long issuedAt, String conversationId, @Nullable String visitorId,
			@Nullable String projectId) {
		String message = VERSION + "\n" + issuedAt + "\n" + field(conversationId) + "\n" + field(visitorId) + "\n"
				+ field(projectId);
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
			return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

	private static boolean hasLineFeed(@Nullable String value) {
		return value != null && value.indexOf('\n') >= 0;
	}

	private static String field(@Nullable String value) {
		if (value == null) {
			return "";
		}
		if (value.indexOf('\n') >= 0) {
			// The fields are joined with line feeds: one inside a field would make two inputs sign alike.
			throw new IllegalArgumentException("a survey link field must not contain a line feed");
		}
		return value;
	}

}
