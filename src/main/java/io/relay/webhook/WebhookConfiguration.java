package io.relay.webhook;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class WebhookConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(WebhookConfiguration.class);

	@Bean
	SignatureVerifier signatureVerifier(WebhookProperties properties) {
		if (!properties.secrets().isEmpty()) {
			logger.info("Webhook signatures are checked against {} configured secret(s)", properties.secrets().size());
			return new SignatureVerifier(properties.secrets());
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

}
