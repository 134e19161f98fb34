package io.relay.webhook;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;

/** Which secrets sign deliveries, and when Relay refuses to start rather than generate one. */
@ExtendWith(OutputCaptureExtension.class)
class WebhookConfigurationTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withUserConfiguration(Config.class);

	@Test
	void withNoSecretSetATrialStartsWithAGeneratedOne(CapturedOutput output) {
		this.contexts.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(SignatureVerifier.class);
			assertThat(output).contains("Using generated webhook secret: ");
		});
	}

	@Test
	void aSecretSetButEmptyStopsStartupInsteadOfBeingGenerated(CapturedOutput output) {
		// RELAY_WEBHOOK_SECRETS= from a secret store that answered nothing (an environment variable, read through the
		// same relaxed name).
		this.contexts.withPropertyValues("relay.webhook.secrets=")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.webhook.secrets is set but empty"));
		assertThat(output).doesNotContain("Using generated webhook secret");
	}

	@Test
	void withoutGeneratingNoSecretStopsStartupSayingWhatToSet() {
		this.contexts.withPropertyValues("relay.webhook.generate-secret=false")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.webhook.secrets is not set, and relay.webhook.generate-secret is false")
				.hasMessageContaining("RELAY_WEBHOOK_SECRETS"));
		this.contexts.withPropertyValues("relay.webhook.generate-secret=false", "relay.webhook.secrets=configured")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(SignatureVerifier.class));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(WebhookProperties.class)
	@Import(WebhookConfiguration.class)
	static class Config {

	}

}
