package io.relay.workflow.survey;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SurveyTokensTests {

	private static final String SECRET = "0123456789abcdef0123456789abcdef";

	private static final Instant ISSUED = Instant.parse("2026-11-25T10:00:00Z");

	private final String token = SurveyTokens.sign(SECRET, "4c8c7408-f73c-42cd-89e9-afbbee7d9024",
			"b05f1b45-c891-4a9c-b47e-91ee6c8ffb44", "1549", ISSUED);

	@Test
	void theTokenIsTheIssueTimeAndAnHmacOfTheFields() {
		// The example of docs/workflows.md, computed there with openssl.
		assertThat(this.token).isEqualTo("1795600800.w5Ls9Iv0-Q3yKHpax-VTiLiN2Kt3IE-gvyB4ExeWxJU");
	}

	@Test
	void verifiesOnlyTheSameFieldsWithTheSameSecretWithinItsAge() {
		Instant now = ISSUED.plus(Duration.ofDays(1));
		assertThat(verify(SECRET, "1549", this.token, now, Duration.ofDays(30))).isTrue();
		assertThat(verify(SECRET, "1549", this.token, now, null)).isTrue();
		assertThat(verify(SECRET, "1550", this.token, now, Duration.ofDays(30))).isFalse();
		assertThat(verify("another secret, also long enough!", "1549", this.token, now, null)).isFalse();
		assertThat(verify(SECRET, "1549", this.token, ISSUED.plus(Duration.ofDays(31)), Duration.ofDays(30))).isFalse();
		assertThat(verify(SECRET, "1549", this.token, ISSUED.minus(Duration.ofHours(1)), null)).isFalse();
		// Exactly its age is still in time; a second more is not.
		assertThat(verify(SECRET, "1549", this.token, ISSUED.plus(Duration.ofDays(30)), Duration.ofDays(30))).isTrue();
		assertThat(verify(SECRET, "1549", this.token, ISSUED.plus(Duration.ofDays(30)).plusSeconds(1),
				Duration.ofDays(30))).isFalse();
	}

	@Test
	void anAgeLongerThanTimeItselfMeansNoLimitRatherThanAnError() {
		Instant now = ISSUED.plus(Duration.ofDays(1));
		assertThat(verify(SECRET, "1549", this.token, now, Duration.ofSeconds(Long.MAX_VALUE))).isTrue();
		assertThat(verify(SECRET, "1550", this.token, now, Duration.ofSeconds(Long.MAX_VALUE))).isFalse();
	}

	@Test
	void malformedTokensDoNotVerify() {
		Instant now = ISSUED;
		for (String token : new String[] { null, "", ".", "abc", "1795600800.", ".abc", "x.abc",
				"1795600801" + this.token.substring(this.token.indexOf('.')), "0" + this.token, "+" + this.token,
				this.token + "A", "0.abc", "-1.abc", "31556889864403200.abc", "9223372036854775807.abc",
				"99999999999999999999.abc", "1795600800.\u00e9abc" }) {
			assertThat(verify(SECRET, "1549", token, now, null)).as(token).isFalse();
		}
	}

	@Test
	void aFieldWithALineFeedCannotBeSignedAndDoesNotVerify() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> SurveyTokens.sign(SECRET, "a\nb", null, null, ISSUED));
		// A crafted link: answered no, not with an exception (a survey site's 500)
		assertThat(verify(SECRET, "1549\n", this.token, ISSUED, null)).isFalse();
		assertThat(SurveyTokens.verify(SECRET, "a\nb", null, null, this.token, ISSUED, null)).isFalse();
	}

	private static boolean verify(String secret, String projectId, String token, Instant now, Duration maxAge) {
		return SurveyTokens.verify(secret, "4c8c7408-f73c-42cd-89e9-afbbee7d9024",
				"b05f1b45-c891-4a9c-b47e-91ee6c8ffb44", projectId, token, now, maxAge);
	}

}
