package io.relay.dispatch;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The handlers of {@link DispatchTests}, imported by each database's subclass. Not nested in the abstract class: a
 * nested configuration of a test class's superclass is detected as its default configuration (ignored with a warning
 * up to Spring Framework 7.0, used from 7.1).
 */
@TestConfiguration(proxyBeanMethods = false)
class DispatchTestsHandlers {

	@Bean
	ScriptedHandler scriptedHandler() {
		return new ScriptedHandler();
	}

	@Bean
	DispatchTests.PausedHandler pausedHandler() {
		return new DispatchTests.PausedHandler();
	}

}
