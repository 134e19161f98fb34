package io.relay.system;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.authentication.WebAuthenticationDetails;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Password guessing on the admin side shows in a counter (an alert reads it) and in the log, without the guesses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:mem:admin-login-failures;DB_CLOSE_DELAY=-1",
				"spring.security.user.name=operator", "spring.security.user.password=the-right-password" })
@ExtendWith(OutputCaptureExtension.class)
class AdminLoginFailuresTests {

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry meters;

	@Autowired
	PasswordEncoder passwords;

	@Test
	void refusedLoginsAreCountedAndLoggedOncePerSourceWithoutTheCredentials(CapturedOutput output) {
		double before = failures();
		HttpResponse<String> wrongPassword = get("operator", "guess-one-secret");
		assertThat(wrongPassword.statusCode()).isEqualTo(401);
		assertThat(get("guessed-user-name", "guess-two-secret").statusCode()).isEqualTo(401);
		assertThat(failures()).isEqualTo(before + 2);

		String log = output.getAll();
		assertThat(log).containsOnlyOnce("Refused an admin login from 127.0.0.1 (BadCredentialsException)");
		assertThat(log).doesNotContain("guess-one-secret", "guess-two-secret", "guessed-user-name");
		assertThat(wrongPassword.body()).doesNotContain("guess-one-secret");
	}

	@Test
	void noCredentialsAndTheRightOnesAreNotFailedLogins() {
		double before = failures();
		assertThat(WebhookClient.onPort(this.port).get("/admin/api/instances").statusCode()).isEqualTo(401);
		assertThat(get("operator", "the-right-password").statusCode()).isEqualTo(200);
		assertThat(failures()).isEqualTo(before);
	}

	@Test
	void anUnknownUserNameIsCheckedAsCheaplyAsTheConfiguredPlainPassword() {
		// What Spring Security checks a request naming an unknown user against: not a bcrypt hash (see AdminPasswords).
		assertThat(this.passwords.encode("userNotFoundPassword")).isEqualTo("{noop}userNotFoundPassword");
		assertThat(get("guessed-user-name", "the-right-password").statusCode()).isEqualTo(401);
	}

	@Test
	void theCounterExistsBeforeAnyFailure() {
		// An alert on increase() needs the series before the first failure.
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new AdminLoginFailures(registry, Clock.systemUTC());
		assertThat(registry.get("relay.admin.login.failures").counter().count()).isZero();
	}

	@Test
	void guessesFromEverChangingAddressesAreAllCountedButLoggedForTheFirstAddressesOnly(CapturedOutput output) {
		// Behind a proxy with server.forward-headers-strategy=framework the address is the client's X-Forwarded-For,
		// so one guesser can give every request another one.
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		AdminLoginFailures listener = new AdminLoginFailures(registry, Clock.systemUTC());
		int guesses = AdminLoginFailures.SOURCES_PER_QUIET + 30;
		for (int i = 0; i < guesses; i++) {
			listener.loginFailed(failedLoginFrom("192.0.2." + i));
		}
		assertThat(registry.get("relay.admin.login.failures").counter().count()).isEqualTo(guesses);
		String log = output.getAll();
		assertThat(log.split("Refused an admin login from 192\\.0\\.2\\.", -1))
			.hasSize(AdminLoginFailures.SOURCES_PER_QUIET + 1);
		assertThat(log).containsOnlyOnce("Refused admin logins from more than " + AdminLoginFailures.SOURCES_PER_QUIET
				+ " addresses within 10 min: refusals from further addresses (now 192.0.2."
				+ AdminLoginFailures.SOURCES_PER_QUIET + ") are only counted");
		assertThat(log).doesNotContain("192.0.2." + (guesses - 1) + " ");
	}

	@Test
	void theCounterIsScrapedUnderTheNameTheAlertReads() {
		HttpResponse<String> scrape = get("/actuator/prometheus", "operator", "the-right-password");
		assertThat(scrape.statusCode()).isEqualTo(200);
		assertThat(scrape.body()).containsPattern("(?m)^relay_admin_login_failures_total\\{[^}]*\\} ");
	}

	private double failures() {
		return this.meters.get("relay.admin.login.failures").counter().count();
	}

	private HttpResponse<String> get(String user, String password) {
		return get("/admin/api/instances", user, password);
	}

	private static AuthenticationFailureBadCredentialsEvent failedLoginFrom(String address) {
		UsernamePasswordAuthenticationToken attempt = UsernamePasswordAuthenticationToken.unauthenticated("user",
				"guess");
		attempt.setDetails(new WebAuthenticationDetails(address, null));
		return new AuthenticationFailureBadCredentialsEvent(attempt, new BadCredentialsException("Bad credentials"));
	}

	private HttpResponse<String> get(String path, String user, String password) {
		String credentials = Base64.getEncoder()
			.encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
		return WebhookClient.onPort(this.port).get(path, "Authorization", "Basic " + credentials);
	}

}
