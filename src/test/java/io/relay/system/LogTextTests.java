package io.relay.system;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogTextTests {

	@Test
	void textFromOutsideIsLoggedAsShortPrintableAscii() {
		assertThat(LogText.printable("198.51.100.4\u001b[31m\u2028x")).isEqualTo("198.51.100.4?[31m?x");
		assertThat(LogText.printable("a".repeat(200))).isEqualTo("a".repeat(64));
		assertThat(LogText.printable("2001:db8::1")).isEqualTo("2001:db8::1");
	}

}
