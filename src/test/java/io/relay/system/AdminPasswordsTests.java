package io.relay.system;

import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class AdminPasswordsTests {

	private final AdminPasswords passwords = new AdminPasswords("s3cret-admin");

	@Test
	void aPlainPasswordMatchesItselfOnly() {
		assertThat(this.passwords.matches("s3cret-admin", "s3cret-admin")).isTrue();
		assertThat(this.passwords.matches("s3cret-admi", "s3cret-admin")).isFalse();
		assertThat(this.passwords.matches("s3cret-admin!", "s3cret-admin")).isFalse();
		assertThat(this.passwords.matches("S3cret-admin", "s3cret-admin")).isFalse();
		assertThat(this.passwords.matches("", "s3cret-admin")).isFalse();
		assertThat(this.passwords.matches("mot-de-passe-é", "mot-de-passe-é")).isTrue();
	}

	@Test
	void aNoopPrefixIsThePlainPasswordAfterIt() {
		assertThat(this.passwords.matches("s3cret-admin", "{noop}s3cret-admin")).isTrue();
		assertThat(this.passwords.matches("{noop}s3cret-admin", "{noop}s3cret-admin")).isFalse();
		assertThat(this.passwords.matches("wrong", "{noop}s3cret-admin")).isFalse();
	}

	@Test
	void anEncodedPasswordIsCheckedByItsEncoder() {
		String bcrypt = PasswordEncoderFactories.createDelegatingPasswordEncoder().encode("s3cret-admin");
		assertThat(bcrypt).startsWith("{bcrypt}");
		assertThat(this.passwords.matches("s3cret-admin", bcrypt)).isTrue();
		assertThat(this.passwords.matches("wrong", bcrypt)).isFalse();
		assertThat(this.passwords.matches(bcrypt, bcrypt)).isFalse();
	}

	@Test
	void bracesWithAnIdNoEncoderKnowsArePartOfAPlainPassword() {
		assertThat(this.passwords.matches("{team}s3cret", "{team}s3cret")).isTrue();
		assertThat(this.passwords.matches("s3cret", "{team}s3cret")).isFalse();
	}

	@Test
	void aMalformedHashOfAKnownEncoderMatchesNothing() {
		for (String malformed : new String[] { "{pbkdf2}abc", "{sha256}abc" }) {
			assertThat(this.passwords.matches(malformed, malformed)).as(malformed).isFalse();
			assertThat(this.passwords.matches("abc", malformed)).as(malformed).isFalse();
		}
	}

	@Test
	void nothingIsEverReEncoded() {
		assertThat(this.passwords.upgradeEncoding("s3cret-admin")).isFalse();
		assertThat(this.passwords.upgradeEncoding("{noop}s3cret-admin")).isFalse();
	}

	@Test
	void missingValuesNeverMatch() {
		assertThat(this.passwords.matches(null, "s3cret-admin")).isFalse();
		assertThat(this.passwords.matches("s3cret-admin", null)).isFalse();
	}

	@Test
	void withAPlainConfiguredPasswordEncodingGivesThePlainFormSoAnUnknownUserCostsWhatAWrongPasswordCosts() {
		// Spring Security checks a request naming an unknown user against encode(...): a bcrypt hash there cost
		// about 100 ms of CPU a request where a wrong password for the real user costs microseconds.
		for (String configured : new String[] { "s3cret-admin", "{noop}s3cret-admin", "{team}s3cret" }) {
			AdminPasswords passwords = new AdminPasswords(configured);
			String dummy = passwords.encode("userNotFoundPassword");
			assertThat(dummy).as(configured).isEqualTo("{noop}userNotFoundPassword");
			assertThat(passwords.matches("userNotFoundPassword", dummy)).as(configured).isTrue();
			assertThat(passwords.matches("s3cret-admin", dummy)).as(configured).isFalse();
		}
	}

	@Test
	void withAnEncodedConfiguredPasswordEncodingGivesAnEncodedPasswordThatMatches() {
		String configured = PasswordEncoderFactories.createDelegatingPasswordEncoder().encode("s3cret-admin");
		AdminPasswords passwords = new AdminPasswords(configured);
		String encoded = passwords.encode("other-password");
		assertThat(encoded).startsWith("{bcrypt}").doesNotContain("other-password");
		assertThat(passwords.matches("other-password", encoded)).isTrue();
		assertThat(passwords.matches("s3cret-admin", encoded)).isFalse();
	}

	@Test
	void withABcryptConfiguredPasswordTheUnknownUsersPasswordHasItsVersionAndCost() {
		// The same cost as the configured hash's check: bcrypt's default (10) against a hash of cost 5 took 32 times
		// as long, and told a made-up user name from the real one.
		for (BCryptPasswordEncoder.BCryptVersion version : BCryptPasswordEncoder.BCryptVersion.values()) {
			String configured = "{bcrypt}" + new BCryptPasswordEncoder(version, 5).encode("s3cret-admin");
			String dummy = new AdminPasswords(configured).encode("userNotFoundPassword");
			assertThat(dummy).as(configured).startsWith("{bcrypt}" + version.getVersion() + "$05$");
			assertThat(new AdminPasswords(configured).matches("userNotFoundPassword", dummy)).isTrue();
		}
	}

	@Test
	void aConfiguredPasswordThatNamesAnEncoderButIsNoHashOfItStopsStartupWithoutShowingIt() {
		for (String malformed : new String[] { "{pbkdf2}abcd", "{pbkdf2}abc" }) {
			assertThatIllegalStateException().as(malformed).isThrownBy(() -> new AdminPasswords(malformed))
				.withMessageStartingWith("spring.security.user.password starts with {pbkdf2} but is not a valid hash")
				.withMessageNotContaining("abc");
			// As a stored password (never, with the check above), it matches nothing rather than failing the login.
			assertThat(this.passwords.matches("abcd", malformed)).as(malformed).isFalse();
		}
	}

}
