package io.relay.system;

import io.relay.support.InMemoryRelay;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.config.observation.SecurityObservationSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Security's observation of every filter is off by default, all the way down (no observation decorator at
 * all), and comes back with {@code management.observations.enable.spring.security=true}.
 */
class SecurityObservationTests {

	@Test
	void springSecurityObservesNothingByDefault() {
		try (ConfigurableApplicationContext relay = InMemoryRelay.start("security-observations-default")) {
			SecurityObservationSettings settings = relay.getBeanProvider(SecurityObservationSettings.class)
				.getIfAvailable();
			assertThat(settings).isNotNull();
			assertThat(settings.shouldObserveRequests()).isFalse();
			assertThat(settings.shouldObserveAuthentications()).isFalse();
			assertThat(settings.shouldObserveAuthorizations()).isFalse();
		}
	}

	@Test
	void thePropertyBringsSpringSecuritysOwnObservationsBack() {
		try (ConfigurableApplicationContext relay = InMemoryRelay.start("security-observations-on",
				"--management.observations.enable.spring.security=true")) {
			assertThat(relay.getBeanProvider(SecurityObservationSettings.class).getIfAvailable()).isNull();
		}
	}

}
