package io.relay.system;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/** A misspelt relay.* key is named at startup, where Spring Boot would ignore it without a word. */
@ExtendWith(OutputCaptureExtension.class)
class UnknownSettingsTests {

	@Test
	void knowsRelaysPropertiesAndWhichOnesAreMapsOrLists() {
		Map<ConfigurationPropertyName, Boolean> known = UnknownSettings.knownProperties();
		assertThat(known).containsEntry(ConfigurationPropertyName.of("relay.webhook.secrets"), true)
			.containsEntry(ConfigurationPropertyName.of("relay.dispatch.handlers"), true)
			.containsEntry(ConfigurationPropertyName.of("relay.webhook.max-body-size"), false)
			.containsEntry(ConfigurationPropertyName.of("relay.workflows.log.enabled"), false);
	}

	@Test
	void aHandlersSettingThatIsNotOneOfTheFiveIsNamedEvenAsAVariable() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("application.yml",
				Map.of("relay.dispatch.handlers.csat-dashboard.max-attempts", "3",
						"relay.dispatch.handlers.lead.retries", "3",
						// In a file, dots are elements: binds nothing.
						"relay.dispatch.handlers.lead.max.attempts", "3",
						// A YAML block left empty ("crm:"): nothing bound, nothing lost.
						"relay.dispatch.handlers.crm", "")));
		environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("systemEnvironment", Map.of(
				// Fine: the dashless name is the handler's (no dash fits in a variable's name).
				"RELAY_DISPATCH_HANDLERS_CSATDASHBOARD_MAXATTEMPTS", "3", "RELAY_DISPATCH_HANDLERS_LOG_ENABLED", "false",
				// Fine too: underscores where the setting's dashes are.
				"RELAY_DISPATCH_HANDLERS_LEAD_MAX_ATTEMPTS", "3", "RELAY_DISPATCH_HANDLERS_LEAD_INITIAL_BACKOFF", "2s",
				// And outside the handlers' map (Spring Boot binds both forms).
				"RELAY_DISPATCH_SHUTDOWN_TIMEOUT", "20s", "RELAY_WEBHOOK_MAX_BODY_SIZE", "512KB",
				"RELAY_DISPATCH_DEFAULTS_MAX_ATTEMPTS", "5",
				// Lost: an underscore where the dash was, and a setting misspelt.
				"RELAY_DISPATCH_HANDLERS_CSAT_DASHBOARD_MAXATTEMPTS", "3",
				"RELAY_DISPATCH_HANDLERS_SURVEY_MAXATTEMPT", "3")));

		assertThat(UnknownSettings.find(environment, UnknownSettings.knownProperties())).containsOnlyKeys(
				"relay.dispatch.handlers.lead.retries", "relay.dispatch.handlers.lead.max.attempts",
				"relay.dispatch.handlers.csat.dashboard.maxattempts", "relay.dispatch.handlers.survey.maxattempt");
	}

	@Test
	void namesEveryUnknownSettingWithWhereItWasSetButNeverItsValue(CapturedOutput output) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("application.yml", Map.of(
				"relay.webhook.max-body-size", "512KB", "relay.webhok.secrets", "typo-secret-value",
				"relay.dispatch.handlers.survey.max-attempts", "3", "relay.dispatch.workerz", "4",
				"relay.workflows.lead.create.headers.X-Api-Key", "key", "relay.webhook.secrets[1]", "b",
				"spring.datasource.url", "${RELAY_DB_URL:jdbc:postgresql://localhost/relay}", "unrelated.key", "x",
				// A workflow of one's own (docs/handlers.md): its settings have no metadata of Relay's.
				"relay.workflows.closed-chats.enabled", "true")));
		environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("systemEnvironment", Map.of(
				"RELAY_WEBHOOK_SECRETS", "s", "RELAY_DB_URL", "jdbc:postgresql://db/relay", "RELAY_TLS_CERTIFICATE",
				"file:/etc/cert.pem", "RELAY_DISPATCH_WORKERS", "8", "RELAY_DISPATCH_LEASES", "5m",
				"RELAY_CHROMIUM", "/usr/bin/chromium")));

		// A variable is named only when it is close to a property: RELAY_CHROMIUM is some script's own.
		assertThat(UnknownSettings.find(environment, UnknownSettings.knownProperties())).containsOnlyKeys(
				"relay.webhok.secrets", "relay.dispatch.workerz", "relay.dispatch.leases");

		UnknownSettings settings = new UnknownSettings();
		settings.setEnvironment(environment);
		settings.postProcessBeanFactory(new DefaultListableBeanFactory());
		assertThat(output.getOut()).contains("Ignoring 3 setting(s) that name no property of Relay's",
				"relay.webhok.secrets (\"relay.webhok.secrets\" from property source \"application.yml\"; did you mean "
						+ "relay.webhook.secrets?)",
				"relay.dispatch.leases (\"RELAY_DISPATCH_LEASES\" from property source \"systemEnvironment\"; did you "
						+ "mean relay.dispatch.lease?)")
			.doesNotContain("typo-secret-value", "5m)", "chromium");
	}

}
