package io.relay.webhook;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The webhook endpoint.
 *
 * @param secrets the secret tokens that may sign a delivery: one per iAdvize app or webhook, and two at once while
 * one is rotated. When empty, Relay generates one at startup and logs it once.
 * @param maxBodySize the largest body accepted; larger ones are answered 413
 * @param generateSecret whether Relay generates a secret when none is set (a trial on one machine); {@code false}
 * (the {@code postgres} profile's) stops startup instead: instances that each generated their own would refuse every
 * genuine delivery, and answer ready all the same
 */
@ConfigurationProperties("relay.webhook")
record WebhookProperties(@DefaultValue List<String> secrets, @DefaultValue("256KB") DataSize maxBodySize,
		@DefaultValue("true") boolean generateSecret) {

	static final DataSize LARGEST_BODY = DataSize.ofMegabytes(16);

	WebhookProperties(@Nullable List<String> secrets, @Nullable DataSize maxBodySize,
			@DefaultValue("true") boolean generateSecret) {
		this.secrets = (secrets != null) ? List.copyOf(secrets) : List.of();
		this.maxBodySize = (maxBodySize != null) ? maxBodySize : DataSize.ofKilobytes(256);
		this.generateSecret = generateSecret;
		for (int i = 0; i < this.secrets.size(); i++) {
			if (this.secrets.get(i).isBlank()) {
				throw new IllegalArgumentException("relay.webhook.secrets[" + i + "] is blank: remove it, or set it to "
						+ "the secret token shown in your iAdvize app's 'App information' page");
			}
		}
		if (this.maxBodySize.toBytes() < 1 || this.maxBodySize.compareTo(LARGEST_BODY) > 0) {
			throw new IllegalArgumentException("relay.webhook.max-body-size must be between 1B and " + LARGEST_BODY
					+ ", but was " + this.maxBodySize);
		}
	}

	// A record's own toString would print the secrets into any log line or error that shows this object.
	@Override
	public String toString() {
		return "WebhookProperties[secrets=<" + this.secrets.size() + " hidden>, maxBodySize=" + this.maxBodySize
				+ ", generateSecret=" + this.generateSecret + "]";
	}

}
