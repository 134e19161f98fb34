package io.relay.system;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import org.springframework.boot.security.autoconfigure.SecurityProperties;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.StrictHttpFirewall;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.AndRequestMatcher;
import org.springframework.security.web.util.matcher.NegatedRequestMatcher;

/**
 * Webhook intake and health are public (iAdvize signs its deliveries and polls health without credentials);
 * everything else needs HTTP Basic with {@code spring.security.user.*}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class SecurityConfiguration {

	/**
	 * What the pages behind the login (the dashboard) may load and run: Relay's own scripts, styles and requests,
	 * nothing inline, nothing from elsewhere, in no frame. The dashboard shows what visitors wrote and writes it as
	 * text; should markup ever slip through, it runs nothing.
	 */
	static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
			+ "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

	/**
	 * The webhook has its own, minimal chain: the signature is its authentication, and no filter may read the body
	 * (CSRF and the request cache would read form parameters and consume the bytes that must be verified). Nor does
	 * it need a logout URL, an anonymous principal or the servlet API's security methods: fewer filters on the one
	 * path that must be fast.
	 */
	@Bean
	@Order(1)
	SecurityFilterChain webhookSecurity(HttpSecurity http) throws Exception {
		return http.securityMatcher("/webhooks/**")
			.authorizeHttpRequests((requests) -> requests.anyRequest().permitAll())
			.csrf((csrf) -> csrf.disable())
			.requestCache((cache) -> cache.disable())
			.logout((logout) -> logout.disable())
			.anonymous((anonymous) -> anonymous.disable())
			.servletApi((servletApi) -> servletApi.disable())
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.build();
	}

	/** The admin password is compared in constant time (see {@link AdminPasswords}). */
	@Bean
	PasswordEncoder adminPasswords(SecurityProperties security) {
		return new AdminPasswords(security.getUser().getPassword());
	}

	/**
	 * With {@code management.observations.enable.spring.security=false} (Relay's default), Spring Security does not
	 * even wrap its filters for observation: the property alone only filters the observations out, and the wrapping
	 * still cost every request (docs/benchmarks.md). Set the property to true to observe them again.
	 */
	@Bean
	@ConditionalOnProperty(name = "management.observations.enable.spring.security", havingValue = "false")
	SecurityObservationSettings securityObservationSettings() {
		return SecurityObservationSettings.noObservations();
	}

	/**
	 * Spring Security's default firewall, with its header checks done by {@link HeaderCharacters} (the same rules
	 * without a regular expression per header read). Spring Security uses an {@code HttpFirewall} bean when there is
	 * one.
	 */
	@Bean
	HttpFirewall httpFirewall() {
		StrictHttpFirewall firewall = new StrictHttpFirewall();
		firewall.setAllowedHeaderNames(HeaderCharacters::allowedName);
		firewall.setAllowedHeaderValues(HeaderCharacters::allowedValue);
		return firewall;
	}

	/** A request the firewall refuses gets a problem, like every other refusal. */
	@Bean
	RequestRejectedHandler requestRejectedHandler(MeterRegistry meters) {
		return new ProblemRequestRejectedHandler(meters);
	}

	@Bean
	@Order(2)
	SecurityFilterChain defaultSecurity(HttpSecurity http) throws Exception {
		return http
			.authorizeHttpRequests((requests) -> requests.requestMatchers(EndpointRequest.to(HealthEndpoint.class))
				.permitAll()
				// The error page, wherever spring.web.error.path puts it: a refusal's problem needs no credentials.
				.dispatcherTypeMatchers(DispatcherType.ERROR)
				.permitAll()
				.requestMatchers("/error")
				.permitAll()
				.anyRequest()
				.authenticated())
			.httpBasic(Customizer.withDefaults())
			.headers((headers) -> headers
				.contentSecurityPolicy((policy) -> policy.policyDirectives(CONTENT_SECURITY_POLICY)))
			// The admin API is for scripts (no CSRF token), except when a browser sends it for another site.
			.csrf((csrf) -> csrf.ignoringRequestMatchers(new AndRequestMatcher(
					PathPatternRequestMatcher.withDefaults().matcher("/admin/api/**"),
					new NegatedRequestMatcher(new CrossSiteBrowserRequest()))))
			.sessionManagement((sessions) -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.build();
	}

}
