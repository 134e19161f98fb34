package io.relay.network;

import java.time.Clock;
import java.util.Locale;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import tools.jackson.databind.json.JsonMapper;

@Configuration(proxyBeanMethods = false)
class NetworkConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(NetworkConfiguration.class);

	/** Before Spring Security's filters, after Spring's own {@code ForwardedHeaderFilter}. */
	static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	@Bean
	FilterRegistrationBean<SourceAllowListFilter> sourceAllowListFilter(NetworkProperties properties, JsonMapper json,
			MeterRegistry meters, Environment environment, Clock clock) {
		FilterRegistrationBean<SourceAllowListFilter> registration = new FilterRegistrationBean<>(
				new SourceAllowListFilter(properties, json, meters, clock));
		registration.addUrlPatterns("/webhooks/*");
		registration.setOrder(ORDER);
		registration.setEnabled(!properties.allowedSources().isEmpty());
		if (!registration.isEnabled() && !properties.trustedProxies().isEmpty()) {
			logger.warn("relay.network.trusted-proxies is set but has no effect: relay.network.allowed-sources is empty");
		}
		if (registration.isEnabled()) {
			String strategy = environment.getProperty("server.forward-headers-strategy", "none");
			if ("framework".equals(strategy.trim().toLowerCase(Locale.ROOT))) {
				// Spring's ForwardedHeaderFilter takes the left-most X-Forwarded-For, which any client can write.
				throw new IllegalStateException("relay.network.allowed-sources cannot be enforced with "
						+ "server.forward-headers-strategy=framework, which believes the X-Forwarded-For header "
						+ "of any client: use server.forward-headers-strategy=native, or none together with "
						+ "relay.network.trusted-proxies");
			}
			logger.info("Webhook deliveries are accepted only from relay.network.allowed-sources {}{}",
					properties.allowedSources(), properties.trustedProxies().isEmpty() ? ""
							: " (X-Forwarded-For is read from relay.network.trusted-proxies "
									+ properties.trustedProxies() + ")");
		}
		return registration;
	}

}
