package io.relay.dispatch.internal;

import java.time.Duration;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

class DispatchPropertiesTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withUserConfiguration(Config.class);

	@Test
	void handlerSettingsOverrideDefaultsWhichOverrideBuiltIns() {
		this.contexts
			.withPropertyValues("relay.dispatch.defaults.max-attempts=5", "relay.dispatch.handlers.crm.ordered=false",
					"relay.dispatch.handlers.crm.initial-backoff=5s")
			.run((context) -> {
				DispatchProperties properties = context.getBean(DispatchProperties.class);
				DispatchProperties.ResolvedSettings crm = properties.settingsFor("crm");
				assertThat(crm.maxAttempts()).isEqualTo(5);
				assertThat(crm.ordered()).isFalse();
				assertThat(crm.initialBackoff()).isEqualTo(Duration.ofSeconds(5));
				assertThat(crm.maxBackoff()).isEqualTo(Duration.ofHours(1));
				DispatchProperties.ResolvedSettings other = properties.settingsFor("other");
				assertThat(other.maxAttempts()).isEqualTo(5);
				assertThat(other.ordered()).isTrue();
				assertThat(other.enabled()).isTrue();
				assertThat(other.initialBackoff()).isEqualTo(Duration.ofSeconds(1));
			});
	}

	/**
	 * No dash fits in an environment variable's name, so a variable names a handler such as {@code csat-dashboard}
	 * without its dashes: its settings are that handler's.
	 */
	@Test
	void environmentVariablesSetTheSettingsOfAHandlerWhoseNameHasDashes() {
		this.contexts
			// Named as Spring Boot names an environment's variables, so that they bind as variables do.
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment",
						Map.of("RELAY_DISPATCH_HANDLERS_CSATDASHBOARD_MAXATTEMPTS", "3",
								"RELAY_DISPATCH_HANDLERS_CSATDASHBOARD_ENABLED", "false"))))
			.run((context) -> {
				DispatchProperties properties = context.getBean(DispatchProperties.class);
				assertThat(properties.settingsFor("csat-dashboard").maxAttempts()).isEqualTo(3);
				assertThat(properties.settingsFor("csat-dashboard").enabled()).isFalse();
				assertThat(properties.settingsFor("csat").maxAttempts()).isEqualTo(10);
			});
	}

	@Test
	void anEnvironmentVariableOverridesOneOfTheSettingsAFileGivesAHandlerWithDashes() {
		this.contexts
			.withPropertyValues("relay.dispatch.handlers.csat-dashboard.max-attempts=5",
					"relay.dispatch.handlers.csat-dashboard.ordered=false")
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment",
						Map.of("RELAY_DISPATCH_HANDLERS_CSATDASHBOARD_MAXATTEMPTS", "3"))))
			.run((context) -> {
				DispatchProperties.ResolvedSettings settings = context.getBean(DispatchProperties.class)
					.settingsFor("csat-dashboard");
				assertThat(settings.maxAttempts()).isEqualTo(3);
				assertThat(settings.ordered()).isFalse();
			});
	}

	@Test
	void badValuesStopStartupNamingTheProperty() {
		this.contexts.withPropertyValues("relay.dispatch.handlers.crm.max-attempts=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.dispatch.handlers.crm.max-attempts must be between 1 and 1000"));
		this.contexts.withPropertyValues("relay.dispatch.workers=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.dispatch.workers must be between 1 and 1024"));
		this.contexts.withPropertyValues("relay.dispatch.lease=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.dispatch.lease must be positive"));
		this.contexts.withPropertyValues("relay.dispatch.stats-interval=0s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.dispatch.stats-interval must be positive"));
		this.contexts.withPropertyValues("relay.dispatch.unknown-handler-grace=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.dispatch.unknown-handler-grace must be between 0s and 30d"));
		this.contexts.withPropertyValues("relay.dispatch.unknown-handler-grace=3650d")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.dispatch.unknown-handler-grace must be between 0s and 30d"));
		for (String interval : new String[] { "99ms", "11m" }) {
			this.contexts.withPropertyValues("relay.dispatch.heartbeat-interval=" + interval)
				.run((context) -> assertThat(context).hasFailed()
					.getFailure()
					.rootCause()
					.hasMessageContaining("relay.dispatch.heartbeat-interval must be between 100ms and 10m, but was"));
		}
	}

	@Test
	void anInstanceCountsAsRunningForTheGraceAfterItsLastHeartbeatAndThreeHeartbeatsAtLeast() {
		this.contexts.run((context) -> {
			DispatchProperties properties = context.getBean(DispatchProperties.class);
			assertThat(properties.heartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
			assertThat(properties.presence()).isEqualTo(Duration.ofMinutes(5));
		});
		this.contexts.withPropertyValues("relay.dispatch.unknown-handler-grace=0s")
			.run((context) -> assertThat(context.getBean(DispatchProperties.class).presence())
				.isEqualTo(Duration.ofSeconds(30)));
		this.contexts
			.withPropertyValues("relay.dispatch.unknown-handler-grace=1m", "relay.dispatch.heartbeat-interval=30s")
			.run((context) -> assertThat(context.getBean(DispatchProperties.class).presence())
				.isEqualTo(Duration.ofSeconds(90)));
	}

	@Test
	void deliveriesForAnotherInstancesHandlerWaitFiveMinutesByDefaultOrNotAtAll() {
		// Under RelayDispatchLagging's ten minutes: a workflow removed from every instance does not set it off.
		this.contexts.run((context) -> assertThat(context.getBean(DispatchProperties.class).unknownHandlerGrace())
			.isEqualTo(Duration.ofMinutes(5)));
		this.contexts.withPropertyValues("relay.dispatch.unknown-handler-grace=0s")
			.run((context) -> assertThat(context.getBean(DispatchProperties.class).unknownHandlerGrace()).isZero());
	}

	@Test
	void aBackoffThatStartsAboveItsMaximumStopsStartupNamingTheProperties() {
		this.contexts.withPropertyValues("relay.dispatch.handlers.log.initial-backoff=2h")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.dispatch.handlers.log.initial-backoff (PT2H) must not exceed "
						+ "relay.dispatch.handlers.log.max-backoff (PT1H)"));
		// The built-in initial backoff against a maximum set below it
		this.contexts.withPropertyValues("relay.dispatch.defaults.max-backoff=500ms")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.dispatch.defaults.initial-backoff (PT1S) must not exceed "
						+ "relay.dispatch.defaults.max-backoff (PT0.5S)"));
		this.contexts
			.withPropertyValues("relay.dispatch.defaults.max-backoff=500ms", "relay.dispatch.defaults.initial-backoff=100ms")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(DispatchProperties.class)
	static class Config {

	}

}
