package io.relay.network;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.security.web.util.matcher.IpAddressMatcher;

/**
 * Network access to the webhook.
 *
 * @param allowedSources the addresses or CIDR ranges (e.g. {@code 35.158.241.155} or {@code 3.66.0.0/16}) that may
 * deliver webhooks; deliveries from anywhere else are answered 403. Empty (the default): from anywhere, since the
 * signature already proves who sent a delivery.
 * @param trustedProxies the addresses or CIDR ranges of the reverse proxies in front of Relay whose
 * {@code X-Forwarded-For} header tells the real source of a delivery. Empty (the default): the header is ignored
 * and the source is the address of the TCP peer.
 */
@ConfigurationProperties("relay.network")
record NetworkProperties(@DefaultValue List<String> allowedSources, @DefaultValue List<String> trustedProxies) {

	NetworkProperties(@Nullable List<String> allowedSources, @Nullable List<String> trustedProxies) {
		this.allowedSources = validated("relay.network.allowed-sources", allowedSources);
		this.trustedProxies = validated("relay.network.trusted-proxies", trustedProxies);
	}

	private static List<String> validated(String property, @Nullable List<String> entries) {
		List<String> trimmed = (entries != null) ? entries.stream().map(String::trim).toList() : List.of();
		for (int i = 0; i < trimmed.size(); i++) {
			String entry = trimmed.get(i);
			try {
				new IpAddressMatcher(entry);
			}
			catch (IllegalArgumentException ex) {
				throw new IllegalArgumentException(property + "[" + i + "] is '" + entry + "', which is not an IP "
						+ "address or a CIDR range such as 203.0.113.7, 203.0.113.0/24 or 2001:db8::/32 (host names "
						+ "are not accepted): " + ex.getMessage(), ex);
			}
		}
		return trimmed;
	}

}
