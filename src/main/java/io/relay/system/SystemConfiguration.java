package io.relay.system;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class SystemConfiguration {

	/** The one source of time, so that tests can move it. */
	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

}
