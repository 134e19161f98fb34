package io.relay.webhook;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import io.relay.system.Misspellings;
import io.relay.system.StartupRefusal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

@Configuration(proxyBeanMethods = false)
class WebhookConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(WebhookConfiguration.class);

	private static final ConfigurationPropertyName SECRETS = ConfigurationPropertyName.of("relay.webhook.secrets");

	@Bean
	SignatureVerifier signatureVerifier(WebhookProperties properties, Environment environment) {
		if (!properties.secrets().isEmpty()) {
			logger.info("Webhook signatures are checked against {} configured secret(s)", properties.secrets().size());
			return new SignatureVerifier(properties.secrets());
		}
		if (isSet(environment)) {
			// RELAY_WEBHOOK_SECRETS= from a secret store that answered nothing: a generated secret would refuse every
			// genuine delivery, on an instance that answers ready.
			throw new StartupRefusal("relay.webhook.secrets is set but empty (RELAY_WEBHOOK_SECRETS=?).", "Set it to "
					+ "the secret token of your iAdvize app, or leave it out altogether for a generated one.");
		}
		Set<String> misspelt = Misspellings.of(environment, SECRETS.toString());
		if (!misspelt.isEmpty()) {
			// RELAY_WEBHOOK_SECRET=...: the secret meant for iAdvize is right there, and a generated one would refuse
			// every genuine delivery on an instance that answers ready.
			throw new StartupRefusal("relay.webhook.secrets is not set, but " + String.join(" and ", misspelt)
					+ (misspelt.size() == 1 ? " is" : " are") + " (misspelt?).", "Set relay.webhook.secrets (or "
					+ "RELAY_WEBHOOK_SECRETS) instead, to the secret token of your iAdvize app.");
		}
		if (!properties.generateSecret()) {
			throw new StartupRefusal("relay.webhook.secrets is not set, and relay.webhook.generate-secret is false (as "
					+ "in the postgres profile).", "Set relay.webhook.secrets (or RELAY_WEBHOOK_SECRETS) to the secret "
					+ "token of your iAdvize app.");
		}
		// Like Spring Security's generated password: the app starts with nothing configured, and says how to fix it.
		byte[] random = new byte[24];
		new SecureRandom().nextBytes(random);
		String generated = HexFormat.of().formatHex(random);
		logger.warn(String.format("%n%nUsing generated webhook secret: %s%n%nNo relay.webhook.secrets is set, so "
				+ "iAdvize deliveries can only be verified with this secret, which changes at every start. Set "
				+ "relay.webhook.secrets (or RELAY_WEBHOOK_SECRETS) to the secret token of your iAdvize app.%n",
				generated));
		return new SignatureVerifier(List.of(generated));
	}

	/** Whether any property source names the secrets, under any of their relaxed names, even with no value. */
	private static boolean isSet(Environment environment) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source.getConfigurationProperty(SECRETS) != null) {
				return true;
			}
		}
		return false;
	}

}
