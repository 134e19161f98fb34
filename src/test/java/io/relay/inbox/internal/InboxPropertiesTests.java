package io.relay.inbox.internal;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class InboxPropertiesTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
		.withUserConfiguration(Config.class);

	@Test
	void hasSensibleDefaults() {
		this.contexts.run((context) -> {
			InboxProperties properties = context.getBean(InboxProperties.class);
			assertThat(properties.batchSize()).isEqualTo(256);
			assertThat(properties.writersFor(false)).as("H2").isEqualTo(1);
			assertThat(properties.writersFor(true)).as("PostgreSQL").isEqualTo(2);
			assertThat(properties.ackTimeout()).hasSeconds(10);
		});
	}

	@Test
	void writersSetExplicitlyApplyToEveryDatabase() {
		this.contexts.withPropertyValues("relay.inbox.writers=3").run((context) -> {
			InboxProperties properties = context.getBean(InboxProperties.class);
			assertThat(properties.writersFor(false)).isEqualTo(3);
			assertThat(properties.writersFor(true)).isEqualTo(3);
		});
	}

	@Test
	void ackTimeoutBeyondWhatIAdvizeWaitsStopsStartup() {
		this.contexts.withPropertyValues("relay.inbox.ack-timeout=60s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.inbox.ack-timeout must be between"));
	}

	@Test
	void zeroWritersStopsStartupNamingTheProperty() {
		this.contexts.withPropertyValues("relay.inbox.writers=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("relay.inbox")
				.hasStackTraceContaining("writers"));
	}

	@Test
	void aQueueTooLargeToAllocateStopsStartupNamingTheProperty() {
		this.contexts.withPropertyValues("relay.inbox.queue-capacity=2000000000")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("relay.inbox")
				.hasStackTraceContaining("queueCapacity"));
		this.contexts.withPropertyValues("relay.inbox.queue-capacity=1000000")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(InboxProperties.class)
	static class Config {

	}

}
