package io.relay.system;

import java.time.Clock;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

@Configuration(proxyBeanMethods = false)
@EnableScheduling
class SystemConfiguration {

	/** The one source of time, so that tests can move it. */
	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	/** Stops the start when a setting names a placeholder nothing resolves: see {@link UnresolvedPlaceholders}. */
	@Bean
	static UnresolvedPlaceholders unresolvedPlaceholders() {
		return new UnresolvedPlaceholders();
	}

	/** Says which relay.* settings name no property (a misspelt key is otherwise ignored): see {@link UnknownSettings}. */
	@Bean
	static UnknownSettings unknownSettings() {
		return new UnknownSettings();
	}

	/** Migrations on PostgreSQL wait for a table's lock for a few seconds only: see {@link FlywayLockTimeout}. */
	@Bean
	FlywayLockTimeout flywayLockTimeout() {
		return new FlywayLockTimeout();
	}

	/** The embedded H2 file's directory, for Relay's user only: see {@link EmbeddedH2Directory}. */
	@Bean
	static EmbeddedH2Directory embeddedH2Directory() {
		return new EmbeddedH2Directory();
	}

}
