package io.relay.system;

import java.util.List;

import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A configured Relay starts without warnings or errors, so that a WARN at start means something to the on-call
 * engineer. Its own context (the capture starts before it), on the embedded H2 default.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:mem:startup-log;DB_CLOSE_DELAY=-1",
				"spring.security.user.name=operator", "spring.security.user.password=startup-log-password" })
@ExtendWith(OutputCaptureExtension.class)
class StartupLogTests {

	@Test
	void aConfiguredRelayStartsWithoutWarningsOrErrors(CapturedOutput output) {
		// The filter below reads the thread's name as the console pattern writes it: it must find this line.
		assertThat(output.getAll().lines().filter((line) -> line.contains("[           main]")))
			.anyMatch((line) -> line.contains("Started StartupLogTests"));
		// The start runs on the test's thread, main: other contexts of the suite may log from their own threads.
		// Flyway's own, on H2 only: Relay's tests run every migration on the H2 version Spring Boot manages
		// (docs/operations.md). Anything else is new and needs a reason or a fix.
		List<String> warnings = output.getAll()
			.lines()
			.filter((line) -> (line.contains(" WARN ") || line.contains(" ERROR ")) && line.contains("[           main]"))
			.filter((line) -> !line.contains("which is newer than the version Flyway has been verified with"))
			.toList();
		assertThat(warnings).isEmpty();
	}

}
