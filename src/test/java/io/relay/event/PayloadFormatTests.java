package io.relay.event;

import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which reading a content type gets, for the webhook and for a quarantined delivery accepted again alike.
 */
class PayloadFormatTests {

	@Test
	void formEncodedWithOrWithoutACharsetIsReadAsAForm() {
		assertThat(PayloadFormat.of(MediaType.APPLICATION_FORM_URLENCODED)).isEqualTo(PayloadFormat.FORM);
		assertThat(PayloadFormat.of(MediaType.parseMediaType("Application/X-WWW-Form-Urlencoded; charset=ISO-8859-1")))
			.isEqualTo(PayloadFormat.FORM);
	}

	@Test
	void everythingElseIsReadAsJson() {
		assertThat(PayloadFormat.of(MediaType.APPLICATION_JSON)).isEqualTo(PayloadFormat.JSON);
		assertThat(PayloadFormat.of(MediaType.parseMediaType("application/json; charset=UTF-16")))
			.isEqualTo(PayloadFormat.JSON);
		assertThat(PayloadFormat.of(MediaType.TEXT_PLAIN)).isEqualTo(PayloadFormat.JSON);
	}

}
