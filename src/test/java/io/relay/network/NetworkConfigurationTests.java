package io.relay.network;

import java.time.Clock;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class NetworkConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(Infrastructure.class, NetworkConfiguration.class);

	@Test
	void theFilterIsOffByDefault() {
		this.runner.run((context) -> assertThat(context.getBean(FilterRegistrationBean.class).isEnabled()).isFalse());
	}

	@Test
	void theFilterGuardsTheWebhookOnlyWhenSourcesAreListed() {
		this.runner.withPropertyValues("relay.network.allowed-sources=35.158.241.155").run((context) -> {
			FilterRegistrationBean<?> registration = context.getBean(FilterRegistrationBean.class);
			assertThat(registration.isEnabled()).isTrue();
			assertThat(registration.getUrlPatterns()).containsExactly("/webhooks/*");
		});
	}

	@Test
	void environmentVariablesTakeCommaSeparatedLists() {
		this.runner
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment",
						Map.of("RELAY_NETWORK_ALLOWEDSOURCES", "35.158.241.155,3.66.0.0/16",
								"RELAY_NETWORK_TRUSTEDPROXIES", "10.0.0.0/8"))))
			.run((context) -> {
				NetworkProperties properties = context.getBean(NetworkProperties.class);
				assertThat(properties.allowedSources()).containsExactly("35.158.241.155", "3.66.0.0/16");
				assertThat(properties.trustedProxies()).containsExactly("10.0.0.0/8");
			});
	}

	@Test
	void refusesToStartWithTheFrameworkForwardedHeaderStrategy() {
		this.runner
			.withPropertyValues("relay.network.allowed-sources=35.158.241.155",
					"server.forward-headers-strategy=FRAMEWORK")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("server.forward-headers-strategy=framework")
				.hasMessageContaining("relay.network.trusted-proxies"));
	}

	@Test
	void invalidEntriesFailTheStartupNamingTheProperty() {
		this.runner.withPropertyValues("relay.network.trusted-proxies=proxy.internal")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("relay.network.trusted-proxies[0] is 'proxy.internal'"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(NetworkProperties.class)
	static class Infrastructure {

		@Bean
		JsonMapper jsonMapper() {
			return JsonMapper.builder().build();
		}

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean
		Clock clock() {
			return Clock.systemUTC();
		}

	}

}
