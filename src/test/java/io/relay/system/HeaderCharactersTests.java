package io.relay.system;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.springframework.security.web.firewall.StrictHttpFirewall;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link HeaderCharacters} must decide exactly as the regular expressions of Spring Security's
 * {@code StrictHttpFirewall} it replaces, on any text: assigned and unassigned code points, controls, tab,
 * supplementary characters and lone surrogates.
 */
class HeaderCharactersTests {

	@Property(tries = 3000)
	void namesAreJudgedAsByTheFirewall(@ForAll("headerText") String text) {
		assertThat(HeaderCharacters.allowedName(text)).isEqualTo(StrictHttpFirewall.ALLOWED_HEADER_NAMES.test(text));
	}

	@Property(tries = 3000)
	void valuesAreJudgedAsByTheFirewall(@ForAll("headerText") String text) {
		assertThat(HeaderCharacters.allowedValue(text))
			.isEqualTo(StrictHttpFirewall.ALLOWED_HEADER_VALUES.test(text));
	}

	@Example
	void tabIsAllowedInValuesOnly() {
		assertThat(HeaderCharacters.allowedValue("a\tb")).isTrue();
		assertThat(HeaderCharacters.allowedName("a\tb")).isFalse();
	}

	@Example
	void controlsAndUnassignedCharactersAreRefused() {
		assertThat(HeaderCharacters.allowedValue("sha256=ab\u0000")).isFalse();
		assertThat(HeaderCharacters.allowedValue("a\u0085b")).isFalse();
		assertThat(HeaderCharacters.allowedValue("a\u007fb")).isFalse();
		assertThat(HeaderCharacters.allowedValue("a\u0378b")).isFalse();
		assertThat(HeaderCharacters.allowedValue("sha256=0123abcdef, d\u00e9j\u00e0 \uD83D\uDE00")).isTrue();
		assertThat(HeaderCharacters.allowedValue("")).isTrue();
	}

	@Provide
	Arbitrary<String> headerText() {
		// Mostly printable ASCII (what real headers are), with some of everything else mixed in.
		Arbitrary<Integer> codePoint = Arbitraries.frequencyOf(
				Tuple.of(8, Arbitraries.integers().between(0x20, 0x7e)),
				Tuple.of(2, Arbitraries.integers().between(0x00, 0x1f)),
				Tuple.of(2, Arbitraries.integers().between(0x7f, 0x9f)),
				Tuple.of(2, Arbitraries.just((int) '\t')),
				Tuple.of(2, Arbitraries.integers().between(0xa0, 0xffff)),
				Tuple.of(1, Arbitraries.integers().between(0xd800, 0xdfff)),
				Tuple.of(1, Arbitraries.integers().between(0x10000, Character.MAX_CODE_POINT)));
		return codePoint.list().ofMaxSize(12).map((codePoints) -> {
			StringBuilder text = new StringBuilder();
			codePoints.forEach(text::appendCodePoint);
			return text.toString();
		});
	}

}
