package io.relay.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
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
 * {@link #encode} gives a password in the configured one's form: plain for a plain one, bcrypt of the same version
 * and cost for a bcrypt hash (another encoder's hash gets that encoder's default cost, which may differ). Spring
 * Security calls it for one thing only: the password it checks a request against when the user name is unknown, so
 * that such a request costs what a wrong password costs and the time does not tell whether a name exists. Its
 * default, a bcrypt hash, made every request with a made-up user name cost about 100 ms of CPU against a plain
 * password's microseconds, on paths anyone may reach (Basic credentials are read on the public health paths too): a
 * few dozen such requests a second would take the cores that acknowledge webhooks.
 * <p>
 * A configured password that names an encoder but is not a valid hash of it ({@code {pbkdf2}abcd}) stops startup:
 * before, it started, and every login failed with a 500.
 */
final class AdminPasswords implements PasswordEncoder {

	private static final String NOOP = "{noop}";

	private static final String BCRYPT = "{bcrypt}";

	/** A bcrypt hash's version and cost: {@code {bcrypt}$2a$10$...}. */
	private static final Pattern BCRYPT_HASH = Pattern.compile("\\{bcrypt}\\$(2[aby])\\$([0-9]{2})\\$.*");

	private final PasswordEncoder encoded = PasswordEncoderFactories.createDelegatingPasswordEncoder();

	/** Whether the configured password is compared as plain text (see {@link #matches}). */
	private final boolean plain;

	/** A configured bcrypt hash's encoder (its version and cost), else none. */
	private final @Nullable BCryptPasswordEncoder bcrypt;

	/**
	 * @param configured the admin password as configured ({@code spring.security.user.password}, or the one Spring
	 * Boot generated)
	 * @throws IllegalStateException when it names an encoder but is not a valid hash of it
	 */
	AdminPasswords(String configured) {
		this.plain = comparedAsPlain(configured);
		this.bcrypt = this.plain ? null : bcryptLike(configured);
	}

	@Override
	public String encode(CharSequence rawPassword) {
		// A plain configured password is held as it is anyway: the same form costs the same check.
		if (this.plain) {
			return NOOP + rawPassword;
		}
		return (this.bcrypt != null) ? BCRYPT + this.bcrypt.encode(rawPassword) : this.encoded.encode(rawPassword);
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
			catch (RuntimeException ex) {
				// A malformed hash that an encoder trips over otherwise ({pbkdf2}abcd: an index out of bounds).
				return false;
			}
		}
		return samePlain(rawPassword, storedPassword);
	}

	private static @Nullable BCryptPasswordEncoder bcryptLike(String configured) {
		Matcher hash = BCRYPT_HASH.matcher(configured);
		if (!hash.matches()) {
			return null;
		}
		BCryptPasswordEncoder.BCryptVersion version = switch (hash.group(1)) {
			case "2a" -> BCryptPasswordEncoder.BCryptVersion.$2A;
			case "2b" -> BCryptPasswordEncoder.BCryptVersion.$2B;
			default -> BCryptPasswordEncoder.BCryptVersion.$2Y;
		};
		int cost = Integer.parseInt(hash.group(2));
		// Out of bcrypt's range, the hash matches nothing anyway: the default dummy then.
		return (cost >= 4 && cost <= 31) ? new BCryptPasswordEncoder(version, cost) : null;
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
		catch (RuntimeException ex) {
			if (ex instanceof IllegalArgumentException argument && noEncoderFor(argument)) {
				return true;
			}
			throw new IllegalStateException("spring.security.user.password starts with "
					+ stored.substring(0, stored.indexOf('}') + 1) + " but is not a valid hash of that encoder ("
					+ ex.getClass().getSimpleName() + "): encode the password again, or give it plain (compared in "
					+ "constant time)");
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
