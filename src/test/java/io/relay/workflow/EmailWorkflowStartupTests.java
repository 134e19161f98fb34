package io.relay.workflow;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.relay.support.InMemoryRelay;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * An email workflow that is enabled but cannot work stops startup, with a message that names what to set.
 */
@ExtendWith(OutputCaptureExtension.class)
class EmailWorkflowStartupTests {

	private static final List<String> IADVIZE = List.of("relay.iadvize.rest.api-key=key-for-startup-tests",
			"relay.iadvize.graphql.username=bot@example.com", "relay.iadvize.graphql.password=password-for-tests");

	private static final List<String> SMTP = List.of("spring.mail.host=127.0.0.1", "spring.mail.port=2525");

	private static final List<String> SURVEY = List.of("relay.workflows.survey.enabled=true",
			"relay.workflows.survey.from=surveys@example.com",
			"relay.workflows.survey.url-template=https://survey.example.com/?c={conversationId}&t={token}",
			"relay.workflows.survey.token-secret=a-secret-of-at-least-thirty-two-characters");

	@Test
	void disabledWorkflowsNeedNothing() {
		try (ConfigurableApplicationContext context = start(List.of("relay.workflows.survey.from=not an address"))) {
			assertThat(context.isRunning()).isTrue();
			// Given as defaults (SpringApplicationBuilder.properties), the URL would lose to application.yml's.
			assertThat(context.getEnvironment().getProperty("spring.datasource.url")).startsWith("jdbc:h2:mem:startup-");
		}
	}

	@Test
	void anEnabledWorkflowNeedsItsSender() {
		assertThat(failure(IADVIZE, SMTP, List.of("relay.workflows.conversation-email.enabled=true")))
			.contains("relay.workflows.conversation-email.from must be set to the sender's address");
		assertThat(failure(IADVIZE, SMTP, List.of("relay.workflows.promo-code.enabled=true",
				"relay.workflows.promo-code.campaign=spring", "relay.workflows.promo-code.from=not an address")))
			.contains("relay.workflows.promo-code.from must be an email address, but was 'not an address'");
	}

	@Test
	void wrongSettingsAreNamed() {
		assertThat(failure(IADVIZE, SMTP, SURVEY, List.of("relay.workflows.survey.token-secret=short")))
			.contains("relay.workflows.survey.token-secret must be at least 32 bytes long in UTF-8");
		assertThat(failure(IADVIZE, SMTP, SURVEY,
				List.of("relay.workflows.survey.url-template=https://survey.example.com/?c={conversation}&t={token}")))
			.contains("relay.workflows.survey.url-template has an unknown placeholder {conversation}");
		assertThat(failure(IADVIZE, SMTP, SURVEY,
				List.of("relay.workflows.survey.url-template=https://survey.example.com/?v={visitorId}&t={token}")))
			.contains("relay.workflows.survey.url-template must contain {conversationId} and {token}");
		assertThat(failure(IADVIZE, SMTP, SURVEY, List.of("relay.workflows.survey.opt-out=two words")))
			.contains("relay.workflows.survey.opt-out[0] must be an address (jane@example.com) or a domain");
		assertThat(failure(IADVIZE, SMTP, List.of("relay.workflows.promo-code.enabled=true",
				"relay.workflows.promo-code.from=offers@example.com")))
			.contains("relay.workflows.promo-code.campaign must be set");
		assertThat(failure(IADVIZE, SMTP, SURVEY, List.of("relay.workflows.survey.language=english")))
			.contains("relay.workflows.survey.language must be a language tag such as en, fr or pt-BR");
		assertThat(failure(IADVIZE, SMTP, List.of("relay.mail.template-directory=/no/such/directory")))
			.contains("relay.mail.template-directory must be an existing directory");
	}

	@Test
	void anEnabledWorkflowNeedsTheIAdvizeApi() {
		assertThat(failure(SMTP, SURVEY)).contains("Workflow 'survey' is enabled and needs the iAdvize GraphQL API, "
				+ "but relay.iadvize.graphql.username and relay.iadvize.graphql.password are not set");
		assertThat(failure(SMTP, List.of("relay.iadvize.rest.api-key=key-for-startup-tests",
				"relay.workflows.conversation-email.enabled=true", "relay.workflows.conversation-email.from=a@example.com")))
			.contains("Workflow 'conversation-email' is enabled and needs the iAdvize GraphQL API");
	}

	@Test
	void withoutTheRestKeyAWorkflowStartsAndSaysThatTheDeprecatedCloseEventCannotBeServed(CapturedOutput output) {
		// GraphQL serves v2.conversation.closed; the deprecated event's numeric ids are REST's only.
		String warning = "Workflow 'survey': relay.iadvize.rest.api-key is not set, so deliveries of the deprecated "
				+ "conversation.closed will end DEAD";
		List<String> properties = new ArrayList<>(List.of("relay.iadvize.graphql.username=bot@example.com",
				"relay.iadvize.graphql.password=password-for-tests", "logging.level.io.relay.workflow.mail=info"));
		properties.addAll(SMTP);
		properties.addAll(SURVEY);
		try (ConfigurableApplicationContext context = start(properties)) {
			assertThat(context.isRunning()).isTrue();
			assertThat(output.getAll()).containsOnlyOnce(warning);
		}
		int before = output.getAll().length();
		properties.addAll(IADVIZE);
		try (ConfigurableApplicationContext context = start(properties)) {
			assertThat(context.isRunning()).isTrue();
			assertThat(output.getAll().substring(before)).doesNotContain("relay.iadvize.rest.api-key is not set");
		}
	}

	@Test
	void anEnabledWorkflowNeedsAnSmtpServerAndItsTemplates() {
		assertThat(failure(IADVIZE, SURVEY)).contains("Workflow 'survey' is enabled and sends email, but "
				+ "spring.mail.host is not set");
		assertThat(failure(IADVIZE, SMTP, SURVEY, List.of("relay.workflows.survey.languages.1549=de")))
			.contains("Workflow 'survey' has no usable email template for [survey/de/subject.txt");
	}

	@Test
	void withoutAnSmtpServerTheStartStopsWithWhatIsWrongAndWhatToDo(CapturedOutput output) {
		failure(IADVIZE, SURVEY);
		// Spring Boot's failure block (StartupRefusal's analyzer), not only the end of a stack trace a screen long.
		assertThat(output.getAll()).contains("APPLICATION FAILED TO START", "Description:",
				"Workflow 'survey' is enabled and sends email, but spring.mail.host is not set (environment: "
						+ "SPRING_MAIL_HOST).",
				"Action:", "or disable the workflow (relay.workflows.survey.enabled=false).");
	}

	@SafeVarargs
	private static String failure(List<String>... properties) {
		List<String> all = new ArrayList<>();
		for (List<String> some : properties) {
			all.addAll(some);
		}
		try (ConfigurableApplicationContext context = start(all)) {
			return fail("Relay started with " + all);
		}
		catch (RuntimeException ex) {
			StringBuilder messages = new StringBuilder();
			for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
				messages.append(cause.getMessage()).append('\n');
			}
			return messages.toString();
		}
	}

	private static ConfigurableApplicationContext start(List<String> properties) {
		List<String> args = new ArrayList<>(List.of("--spring.main.web-application-type=none",
				"--spring.main.log-startup-info=false", "--relay.workflows.log.enabled=false",
				"--spring.main.banner-mode=off", "--logging.level.root=warn"));
		properties.forEach((property) -> args.add("--" + property));
		return InMemoryRelay.start("startup-" + UUID.randomUUID(), args.toArray(String[]::new));
	}

}
