package io.relay.workflow.survey;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class SurveyPropertiesTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner().withUserConfiguration(Config.class);

	@Test
	void aDisabledWorkflowWithItsDefaultsPrintsWithoutFailing() {
		this.contexts.run((context) -> assertThat(context.getBean(SurveyProperties.class).toString())
			.startsWith("SurveyProperties[enabled=false, from=null")
			.contains("tokenSecret=<none>"));
	}

	@Test
	void theTokenSecretAndTheOptOutAddressesAreNotPrinted() {
		this.contexts
			.withPropertyValues("relay.workflows.survey.enabled=true", "relay.workflows.survey.from=shop@example.com",
					"relay.workflows.survey.url-template=https://survey.example.com/s?c={conversationId}&t={token}",
					"relay.workflows.survey.token-secret=survey-token-secret-0123456789abcdef",
					"relay.workflows.survey.opt-out=jane@example.com")
			.run((context) -> assertThat(context.getBean(SurveyProperties.class).toString())
				.contains("enabled=true", "from=shop@example.com", "tokenSecret=<hidden>", "optOut=<1 addresses>")
				.doesNotContain("survey-token-secret", "jane@example.com"));
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(SurveyProperties.class)
	static class Config {

	}

}
