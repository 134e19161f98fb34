package io.relay.system;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.relay.support.InMemoryRelay;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
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
			callHealth(relay);
			assertThat(securityMeters(relay)).isEmpty();
		}
	}

	@Test
	void thePropertyBringsSpringSecuritysOwnObservationsBack() {
		try (ConfigurableApplicationContext relay = InMemoryRelay.start("security-observations-on",
				"--management.observations.enable.spring.security=true")) {
			assertThat(relay.getBeanProvider(SecurityObservationSettings.class).getIfAvailable()).isNull();
			callHealth(relay);
			assertThat(securityMeters(relay)).isNotEmpty();
		}
	}

	private static void callHealth(ConfigurableApplicationContext relay) {
		int port = ((WebServerApplicationContext) relay).getWebServer().getPort();
		assertThat(WebhookClient.onPort(port).get("/actuator/health").statusCode()).isEqualTo(200);
	}

	/** The meters of Spring Security's observations (its filter chains, for one). */
	private static List<String> securityMeters(ConfigurableApplicationContext relay) {
		return relay.getBean(MeterRegistry.class)
			.getMeters()
			.stream()
			.map((meter) -> meter.getId().getName())
			.filter((name) -> name.startsWith("spring.security"))
			.distinct()
			.toList();
	}

}
