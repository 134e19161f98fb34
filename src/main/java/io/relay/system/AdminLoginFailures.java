package io.relay.system;

import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.event.AbstractAuthenticationFailureEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.stereotype.Component;

/**
 * Refused logins to the admin API, the dashboard and the metrics (HTTP Basic with a wrong user name or password):
 * counted in {@code relay.admin.login.failures}, and logged at WARN once per source address per {@link #QUIET}, for at
 * most {@link #SOURCES_PER_QUIET} addresses per {@link #QUIET} (the address may come from {@code X-Forwarded-For},
 * which a guesser can vary), so that password guessing shows in an alert and in the log without filling it. Neither the user name nor the
 * password is logged: a password typed into the user name field would be. A request without credentials is not a
 * failed login (it gets its 401 without one being tried).
 */
@Component
class AdminLoginFailures {

	static final Duration QUIET = Duration.ofMinutes(10);

	static final int SOURCES_PER_QUIET = 20;

	private static final Logger logger = LoggerFactory.getLogger(AdminLoginFailures.class);

	private final Counter failures;

	private final LogThrottle warnings;

	AdminLoginFailures(MeterRegistry meters, Clock clock) {
		this.failures = Counter.builder("relay.admin.login.failures")
			.description("HTTP Basic logins refused (wrong user name or password)")
			.register(meters);
		this.warnings = new LogThrottle(QUIET, SOURCES_PER_QUIET, clock);
	}

	@EventListener
	void loginFailed(AbstractAuthenticationFailureEvent event) {
		this.failures.increment();
		String source = (event.getAuthentication().getDetails() instanceof WebAuthenticationDetails details
				&& details.getRemoteAddress() != null) ? LogText.printable(details.getRemoteAddress()) : "unknown";
		switch (this.warnings.decide(source)) {
			case LOG -> logger.warn("Refused an admin login from {} ({}); further refusals from it are counted in "
					+ "relay_admin_login_failures_total and logged at most once every {} min", source,
					event.getException().getClass().getSimpleName(), QUIET.toMinutes());
			case BUDGET_SPENT -> logger.warn("Refused admin logins from more than {} addresses within {} min: "
					+ "refusals from further addresses (now {}) are only counted in relay_admin_login_failures_total "
					+ "until {}", SOURCES_PER_QUIET, QUIET.toMinutes(), source, this.warnings.quietUntil());
			case QUIET -> {
			}
		}
	}

}
