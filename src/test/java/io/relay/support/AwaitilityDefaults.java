package io.relay.support;

import java.time.Duration;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (JUnit extension auto-detection): waits give up after a minute instead of
 * Awaitility's 10 s, because CI machines have 2 cores and a loaded one can take that long to start a JVM. A wait
 * that succeeds returns as soon as its condition holds, so this costs nothing when all is well.
 */
public class AwaitilityDefaults implements BeforeAllCallback {

	@Override
	public void beforeAll(ExtensionContext context) {
		Awaitility.setDefaultTimeout(Duration.ofSeconds(60));
		Awaitility.setDefaultPollInterval(Duration.ofMillis(50));
	}

}
