package io.relay.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Checks the admin password ({@code spring.security.user.password}) in constant time.
 * <p>
 * Without a {@code PasswordEncoder} bean, Spring Boot stores a plain password as {@code {noop}...}, and Spring
 * Security's {@code NoOpPasswordEncoder} compares it with {@code String.equals}, which returns at the first differing
 * character: the admin login sits on the same port as the public webhook, so its time must not tell how much of a
 * guess was right. A plain password (with or without {@code {noop}}) is compared here as SHA-256 digests with
 * {@link MessageDigest#isEqual}, so neither its characters nor its length show in the time. An encoded one
 * ({@code {bcrypt}...}, {@code {argon2}...}) goes to Spring Security's usual encoders.
 * <p>
 * With this bean Spring Boot no longer adds {@code {noop}} to a plain password, and it is never "upgraded": Spring
 * Security's default would re-encode it with bcrypt after the first login, and every request (the admin API keeps no
 * session) would then pay a bcrypt check.
 * <p>
 * {@link #encode} gives a password in the configured one's form. Spring Security calls it for one thing only: the
 * password it checks a request against when the user name is unknown, so that such a request costs what a wrong
 * password costs and the time does not tell whether a name exists. Its default, a bcrypt hash, made every request
 * with a made-up user name cost about 100 ms of CPU against a plain password's microseconds, on paths anyone may
 * reach (Basic credentials are read on the public health paths too): a few dozen such requests a second would take
 * the cores that acknowledge webhooks.
 */
final class AdminPasswords implements PasswordEncoder {

	private static final String NOOP = "{noop}";

	private final PasswordEncoder encoded = PasswordEncoderFactories.createDelegatingPasswordEncoder();

	/** Whether the configured password is compared as plain text (see {@link #matches}). */
	private final boolean plain;

	/**
	 * @param configured the admin password as configured ({@code spring.security.user.password}, or the one Spring
	 * Boot generated)
	 */
	AdminPasswords(String configured) {
		this.plain = comparedAsPlain(configured);
	}

	@Override
	public String encode(CharSequence rawPassword) {
		// A plain configured password is held as it is anyway: the same form costs the same check.
		return this.plain ? NOOP + rawPassword : this.encoded.encode(rawPassword);
	}

	@Override
	public boolean matches(CharSequence rawPassword, String storedPassword) {
		if (rawPassword == null || storedPassword == null) {
			return false;
		}
		if (storedPassword.startsWith(NOOP)) {
			return samePlain(rawPassword, storedPassword.substring(NOOP.length()));
		}
		if (isEncoded(storedPassword)) {
			try {
				return this.encoded.matches(rawPassword, storedPassword);
			}
			catch (IllegalArgumentException ex) {
				// No encoder has that id: a plain password that starts with braces. A known id with a malformed hash
				// ({pbkdf2}abc) throws too, and must not become a password of its own.
				return noEncoderFor(ex) && samePlain(rawPassword, storedPassword);
			}
		}
		return samePlain(rawPassword, storedPassword);
	}

	/** Whether {@link #matches} compares this stored password as plain text, without an encoder. */
	private boolean comparedAsPlain(String stored) {
		if (stored.startsWith(NOOP) || !isEncoded(stored)) {
			return true;
		}
		try {
			this.encoded.matches("x", stored);
			return false;
		}
		catch (IllegalArgumentException ex) {
			// A malformed hash of a known encoder ({pbkdf2}abc) matches nothing: not plain, whatever it costs.
			return noEncoderFor(ex);
		}
	}

	private static boolean noEncoderFor(IllegalArgumentException ex) {
		return String.valueOf(ex.getMessage()).startsWith("There is no password encoder mapped for the id");
	}

	@Override
	public boolean upgradeEncoding(String storedPassword) {
		return false;
	}

	/** Spring Boot's own test for an encoded password: an id in braces first. */
	private static boolean isEncoded(String password) {
		return password.startsWith("{") && password.indexOf('}') > 1;
	}

	private static boolean samePlain(CharSequence given, String expected) {
		return MessageDigest.isEqual(sha256(given.toString()), sha256(expected));
	}

	private static byte[] sha256(String text) {
		try {
			return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every Java runtime has SHA-256", ex);
		}
	}

}
