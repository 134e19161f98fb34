package io.relay.system;

import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;

import static org.assertj.core.api.Assertions.assertThat;

class AdminPasswordsTests {

	private final AdminPasswords passwords = new AdminPasswords();

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
	void encodingGivesAnEncodedPasswordThatMatches() {
		String encoded = this.passwords.encode("s3cret-admin");
		assertThat(encoded).startsWith("{bcrypt}").doesNotContain("s3cret-admin");
		assertThat(this.passwords.matches("s3cret-admin", encoded)).isTrue();
	}

}
