package io.relay.webhook;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookPropertiesTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withUserConfiguration(Config.class);

	@Test
	void defaultsToNoSecretAnd256KiB() {
		this.contexts.run((context) -> {
			WebhookProperties properties = context.getBean(WebhookProperties.class);
			assertThat(properties.secrets()).isEmpty();
			assertThat(properties.maxBodySize().toKilobytes()).isEqualTo(256);
		});
	}

	@Test
	void bindsSeveralSecretsAndNeverPrintsThem() {
		this.contexts.withPropertyValues("relay.webhook.secrets=first-secret,second-secret").run((context) -> {
			WebhookProperties properties = context.getBean(WebhookProperties.class);
			assertThat(properties.secrets()).containsExactly("first-secret", "second-secret");
			assertThat(properties.toString()).doesNotContain("first-secret", "second-secret").contains("2 hidden");
		});
	}

	@Test
	void blankSecretStopsStartupNamingTheProperty() {
		this.contexts.withPropertyValues("relay.webhook.secrets[0]=ok", "relay.webhook.secrets[1]= ")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.webhook.secrets[1] is blank"));
	}

	@Test
	void absurdBodySizeStopsStartupNamingTheProperty() {
		this.contexts.withPropertyValues("relay.webhook.max-body-size=1GB")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.webhook.max-body-size must be between"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WebhookProperties.class)
	static class Config {

	}

}
