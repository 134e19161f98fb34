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
 */
final class AdminPasswords implements PasswordEncoder {

	private static final String NOOP = "{noop}";

	private final PasswordEncoder encoded = PasswordEncoderFactories.createDelegatingPasswordEncoder();

	@Override
	public String encode(CharSequence rawPassword) {
		return this.encoded.encode(rawPassword);
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
				String message = String.valueOf(ex.getMessage());
				return message.startsWith("There is no password encoder mapped for the id")
						&& samePlain(rawPassword, storedPassword);
			}
		}
		return samePlain(rawPassword, storedPassword);
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
