package io.relay.system;

import io.relay.RelayApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
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
		try (ConfigurableApplicationContext relay = start("security-observations-default")) {
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
		try (ConfigurableApplicationContext relay = start("security-observations-on",
				"--management.observations.enable.spring.security=true")) {
			assertThat(relay.getBeanProvider(SecurityObservationSettings.class).getIfAvailable()).isNull();
		}
	}

	private static ConfigurableApplicationContext start(String name, String... more) {
		String[] args = { "--server.port=0", "--relay.webhook.secrets=test-secret",
				"--spring.datasource.url=jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1" };
		String[] all = new String[args.length + more.length];
		System.arraycopy(args, 0, all, 0, args.length);
		System.arraycopy(more, 0, all, args.length, more.length);
		return new SpringApplicationBuilder(RelayApplication.class).run(all);
	}

}
