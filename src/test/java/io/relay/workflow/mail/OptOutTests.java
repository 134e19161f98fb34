package io.relay.workflow.mail;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class OptOutTests {

	private final OptOut optOut = new OptOut(List.of("Jane@Example.com", "@competitor.example", "*.test.example",
			"internal.example"));

	@Test
	void excludesAddressesAndDomainsWithTheirSubdomainsIgnoringCase() {
		assertThat(this.optOut.excludes("jane@example.com")).isTrue();
		assertThat(this.optOut.excludes("JANE@EXAMPLE.COM")).isTrue();
		assertThat(this.optOut.excludes("john@example.com")).isFalse();
		assertThat(this.optOut.excludes("anyone@competitor.example")).isTrue();
		assertThat(this.optOut.excludes("anyone@mail.internal.example")).isTrue();
		assertThat(this.optOut.excludes("anyone@test.example")).isTrue();
		assertThat(this.optOut.excludes("anyone@notinternal.example")).isFalse();
		assertThat(this.optOut.with(List.of("john@example.com")).excludes("john@example.com")).isTrue();
	}

	@Test
	void aMalformedEntryIsRefusedWithItsProperty() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> OptOut.validate("relay.mail.opt-out", List.of("ok.example", "two words")))
			.withMessage("relay.mail.opt-out[1] must be an address (jane@example.com) or a domain (example.com), but "
					+ "was 'two words'");
		assertThatIllegalArgumentException().isThrownBy(() -> OptOut.validate("p", List.of("jane@")));
		assertThatIllegalArgumentException().isThrownBy(() -> OptOut.validate("p", List.of("a@b@c")));
		// Copied with a display name, or a list pasted whole: it would match no address, and opt nobody out.
		assertThatIllegalArgumentException().isThrownBy(() -> OptOut.validate("p", List.of("Jane<jane@example.com>")));
		assertThatIllegalArgumentException().isThrownBy(() -> OptOut.validate("p", List.of("a@example.com,b@example.com")));
		assertThatIllegalArgumentException().isThrownBy(() -> OptOut.validate("p", List.of("\"jane\"@example.com")));
	}

}
