package io.relay.system;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** A credential echoed back in any of the forms a service writes it in is hidden. */
class SecretTextTests {

	private static final String TOKEN = "eyJhbGciOi/JIUzI1+NiJ9.abc/def+ghi";

	private final SecretText hidden = SecretText.of(List.of(TOKEN, "pass word&1"), 4);

	@ParameterizedTest
	@ValueSource(strings = { "eyJhbGciOi/JIUzI1+NiJ9.abc/def+ghi", // as sent
			"eyJhbGciOi\\/JIUzI1+NiJ9.abc\\/def+ghi", // PHP's json_encode
			"eyJhbGciOi/JIUzI1\\u002bNiJ9.abc/def\\u002Bghi", // any character as a JSON escape
			"eyJhbGciOi%2FJIUzI1%2BNiJ9.abc%2fdef%2Bghi", // percent-encoded (either case of hex)
			"eyJhbGciOi&#x2F;JIUzI1&#43;NiJ9.abc&#47;def&#x2b;ghi", // HTML entities
			"EYJHBGCIOI/JIUZI1+NIJ9.ABC/DEF+GHI", // another case
			"eyJhbGciOi/JIUzI1+N", // cut short
			"eyJhbGci" }) // the shortest start hidden
	void aCredentialIsHiddenInEveryFormItIsEchoedIn(String echoed) {
		assertThat(this.hidden.hide("{\"error\":\"bad token Bearer " + echoed + "\"}"))
			.isEqualTo("{\"error\":\"bad token Bearer <hidden>\"}");
	}

	@Test
	void charactersEscapedByJsonFormsAndHtmlAreHiddenToo() {
		assertThat(this.hidden.hide("password pass+word%261 refused")).isEqualTo("password <hidden> refused");
		assertThat(this.hidden.hide("password pass word&amp;1 refused")).isEqualTo("password <hidden> refused");
	}

	@Test
	void aStartShorterThanEightCharactersAndOrdinaryTextAreLeftAlone() {
		assertThat(this.hidden.hide("token eyJhbGc is not valid, pass wo refused"))
			.isEqualTo("token eyJhbGc is not valid, pass wo refused");
	}

	@Test
	void aSecretShorterThanEightCharactersIsHiddenInItsOwnCaseOnly() {
		// Another case of a short one is more often an ordinary word than an echo.
		SecretText shortKey = SecretText.of(List.of("test"), 4);
		assertThat(shortKey.hide("key test refused (Test mode, TEST)")).isEqualTo("key <hidden> refused (Test mode, TEST)");
		assertThat(shortKey.hide("key t\\u0065st")).isEqualTo("key <hidden>");
	}

	@Test
	void aSecretShorterThanTheShortestIsNotLookedFor() {
		assertThat(SecretText.of(List.of("abc", " ", ""), 4).hide("abc is fine")).isEqualTo("abc is fine");
	}

	@Test
	void theLongestSecretThatMatchesIsHiddenWhole() {
		SecretText nested = SecretText.of(List.of("key-1234", "key-1234-extended"), 4);
		assertThat(nested.hide("a key-1234-extended and a key-1234")).isEqualTo("a <hidden> and a <hidden>");
	}

	@Test
	void aLongTokenCutShortIsHiddenAsFarAsItsStartIsFollowed() {
		String token = "t".repeat(10) + "0123456789".repeat(30);
		SecretText longOne = SecretText.of(List.of(token), 4);
		assertThat(longOne.hide("[" + token + "]")).isEqualTo("[<hidden>]");
		assertThat(longOne.hide("[" + token.substring(0, 40) + "]")).isEqualTo("[<hidden>]");
		assertThat(longOne.hide("[" + token.substring(0, 100) + "]"))
			.isEqualTo("[<hidden>" + token.substring(SecretText.LONGEST_START, 100) + "]");
	}

}
