package io.relay.system;

import java.util.Map;

import io.relay.system.UnresolvedPlaceholders.UnresolvedPlaceholderException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

class UnresolvedPlaceholdersTests {

	@Test
	void anUnsetPlaceholderInASecretStopsTheStartWithoutShowingTheOtherSecrets() {
		StandardEnvironment environment = environment(
				Map.of("relay.webhook.secrets", "current-secret-4f1a,${RELAY_TEST_UNSET_PREVIOUS}"));
		assertThatExceptionOfType(UnresolvedPlaceholderException.class)
			.isThrownBy(() -> UnresolvedPlaceholders.check(environment))
			.withMessageContaining("relay.webhook.secrets")
			.withMessageContaining("${RELAY_TEST_UNSET_PREVIOUS}, which is not set")
			.withMessageNotContaining("current-secret-4f1a");
	}

	@Test
	void credentialsOutsideRelaysOwnSettingsAreCheckedToo() {
		StandardEnvironment environment = environment(
				Map.of("spring.security.user.password", "${RELAY_TEST_UNSET_OPERATOR_PASSWORD}"));
		assertThatExceptionOfType(UnresolvedPlaceholderException.class)
			.isThrownBy(() -> UnresolvedPlaceholders.check(environment))
			.withMessageContaining("spring.security.user.password");
	}

	@Test
	void resolvedDefaultedAndEscapedPlaceholdersAndOtherSettingsAreLeftAlone() {
		StandardEnvironment environment = environment(Map.of("relay.webhook.secrets", "${relay.test.current}",
				"relay.test.current", "set", "relay.iadvize.rest.api-key", "${RELAY_TEST_UNSET_KEY:}",
				"relay.workflows.lead.body", "\\${literal}", "logging.pattern.console", "${RELAY_TEST_UNSET_PATTERN}"));
		assertThatNoException()
			.isThrownBy(() -> UnresolvedPlaceholders.check(environment));
	}

	@Test
	void aDefaultThatIsItselfAnUnsetPlaceholderIsReported() {
		StandardEnvironment environment = environment(Map.of("relay.webhook.secrets",
				"${RELAY_TEST_UNSET_CURRENT:${RELAY_TEST_UNSET_FALLBACK}}"));
		assertThatExceptionOfType(UnresolvedPlaceholderException.class)
			.isThrownBy(() -> UnresolvedPlaceholders.check(environment))
			.withMessageContaining("relay.webhook.secrets")
			.withMessageContaining("${RELAY_TEST_UNSET_FALLBACK}, which is not set");
		assertThatNoException().isThrownBy(() -> UnresolvedPlaceholders.check(environment(Map.of(
				"relay.webhook.secrets", "${RELAY_TEST_UNSET_CURRENT:${RELAY_TEST_UNSET_FALLBACK:}}"))));
	}

	@Test
	void theValueOfAPropertyAPlaceholderNamesIsNotLookedInto() {
		// A password with "${" in it, given through a variable: Boot binds it as it is; none of it may show.
		StandardEnvironment environment = environment(Map.of("spring.datasource.password", "${TEST_DB_SECRET_4F1A:}"));
		environment.getPropertySources()
			.addLast(new SystemEnvironmentPropertySource("test-systemEnvironment",
					Map.of("TEST_DB_SECRET_4F1A", "Xq${ab}9!")));
		assertThatNoException().isThrownBy(() -> UnresolvedPlaceholders.check(environment));
	}

	@Test
	void anEnvironmentVariableIsCheckedAsThePropertyItSets() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment",
					Map.of("RELAY_WEBHOOK_SECRETS", "${RELAY_TEST_UNSET_SECRET}")));
		assertThatExceptionOfType(UnresolvedPlaceholderException.class)
			.isThrownBy(() -> UnresolvedPlaceholders.check(environment))
			.withMessageStartingWith("relay.webhook.secrets")
			.withMessageContaining("RELAY_WEBHOOK_SECRETS")
			.withMessageContaining("${RELAY_TEST_UNSET_SECRET}, which is not set");
	}

	@Test
	void onlyTheValueInEffectIsChecked() {
		// A file's placeholder overridden by a higher source (the command line, an environment variable) is not used.
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addLast(new MapPropertySource("file", Map.of("spring.ssl.bundle.pem.relay.keystore.certificate",
					"${RELAY_TEST_UNSET_CERTIFICATE}")));
		environment.getPropertySources()
			.addFirst(new MapPropertySource("command-line",
					Map.of("spring.ssl.bundle.pem.relay.keystore.certificate", "file:/etc/relay/tls.crt")));
		assertThatNoException().isThrownBy(() -> UnresolvedPlaceholders.check(environment));
	}

	@Test
	void aListSetAboveIsTheListInEffectWholeSoTheElementsOfAListBelowAreNotChecked() {
		// application.yml lists one secret from a variable; the operator sets the list through another variable.
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addLast(new MapPropertySource("file", Map.of("relay.webhook.secrets[0]", "${RELAY_TEST_UNSET_SECRET}")));
		environment.getPropertySources()
			.addFirst(new SystemEnvironmentPropertySource("test-systemEnvironment",
					Map.of("RELAY_WEBHOOK_SECRETS", "abc")));
		assertThatNoException().isThrownBy(() -> UnresolvedPlaceholders.check(environment));

		StandardEnvironment below = new StandardEnvironment();
		below.getPropertySources()
			.addLast(new MapPropertySource("file", Map.of("relay.webhook.secrets[1]", "${RELAY_TEST_UNSET_SECRET}")));
		below.getPropertySources()
			.addFirst(new MapPropertySource("command-line", Map.of("relay.inbox.batch-size", "64")));
		assertThatExceptionOfType(UnresolvedPlaceholderException.class).as("no list set above: the file's is in effect")
			.isThrownBy(() -> UnresolvedPlaceholders.check(below))
			.withMessageStartingWith("relay.webhook.secrets[1]");
	}

	@Test
	void theApplicationDoesNotStartAndTheFailureSaysWhatToDo() {
		SpringApplicationBuilder application = new SpringApplicationBuilder(SystemConfiguration.class)
			.web(WebApplicationType.NONE)
			.properties("relay.iadvize.rest.api-key=${RELAY_TEST_UNSET_API_KEY}");
		assertThatExceptionOfType(RuntimeException.class).isThrownBy(application::run)
			.satisfies((failure) -> {
				assertThat(failure).isInstanceOf(UnresolvedPlaceholderException.class);
				FailureAnalysis analysis = new UnresolvedPlaceholders.Analyzer().analyze(failure);
				assertThat(analysis.getDescription()).startsWith("relay.iadvize.rest.api-key")
					.contains("${RELAY_TEST_UNSET_API_KEY}, which is not set");
				assertThat(analysis.getAction()).contains("Set RELAY_TEST_UNSET_API_KEY")
					.contains("${RELAY_TEST_UNSET_API_KEY:}");
			});
		assertThat(SpringFactoriesLoader.loadFactoryNames(FailureAnalyzer.class, getClass().getClassLoader()))
			.contains(UnresolvedPlaceholders.Analyzer.class.getName());
	}

	private static StandardEnvironment environment(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
		return environment;
	}

}
