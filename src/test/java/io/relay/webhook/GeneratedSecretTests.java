package io.relay.webhook;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.relay.support.WebhookSignatures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class GeneratedSecretTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withUserConfiguration(Config.class);

	@Test
	void withoutSecretsRelayGeneratesOneLogsItOnceAndVerifiesWithIt(CapturedOutput output) {
		this.contexts.run((context) -> {
			Matcher generated = Pattern.compile("Using generated webhook secret: ([0-9a-f]{48})").matcher(output);
			assertThat(generated.find()).isTrue();
			String secret = generated.group(1);
			assertThat(generated.find()).as("logged once").isFalse();
			assertThat(output).contains("Set relay.webhook.secrets");
			byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
			String signature = WebhookSignatures.sign(secret, body);
			assertThat(context.getBean(SignatureVerifier.class).verify(body, signature)).isTrue();
		});
	}

	@Test
	void configuredSecretsAreNeverLogged(CapturedOutput output) {
		this.contexts.withPropertyValues("relay.webhook.secrets=top-secret-value").run((context) -> {
			assertThat(context).hasSingleBean(SignatureVerifier.class);
			assertThat(output).doesNotContain("top-secret-value").contains("1 configured secret");
		});
	}

	@Test
	void aSecretSetButEmptyStopsStartupInsteadOfBeingGenerated(CapturedOutput output) {
		// RELAY_WEBHOOK_SECRETS= from a secret store that answered nothing (an environment variable is read through
		// the same relaxed name): a generated secret would refuse every genuine delivery on a ready instance.
		this.contexts.withPropertyValues("relay.webhook.secrets=")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.webhook.secrets is set but empty"));
		assertThat(output).doesNotContain("Using generated webhook secret");
	}

	@Test
	void aMisspeltSecretStopsStartupInsteadOfOneBeingGenerated(CapturedOutput output) {
		// RELAY_WEBHOOK_SECRET (singular): Spring Boot ignores it, and a generated secret would refuse every genuine
		// delivery on an instance that answers ready.
		this.contexts
			.withInitializer((context) -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment",
						Map.of("RELAY_WEBHOOK_SECRET", "the-token"))))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("relay.webhook.secrets is not set, but relay.webhook.secret is (misspelt?).")
				.hasMessageContaining("Set relay.webhook.secrets (or RELAY_WEBHOOK_SECRETS) instead"));
		this.contexts.withPropertyValues("relay.webhooks.secrets=the-token", "relay.webhook.secrest=the-token")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("but relay.webhook.secrest and relay.webhooks.secrets are (misspelt?)."));
		// A list (rotation), as YAML or variables give one.
		this.contexts.withPropertyValues("relay.webhook.secret[0]=the-token", "relay.webhook.secret[1]=the-token")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("but relay.webhook.secret is (misspelt?)."));
		assertThat(output).doesNotContain("Using generated webhook secret").doesNotContain("the-token");
		// Other settings of the webhook are no reason to refuse.
		this.contexts.withPropertyValues("relay.webhook.max-body-size=1MB")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(SignatureVerifier.class));
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
