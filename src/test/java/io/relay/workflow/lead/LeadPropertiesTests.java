package io.relay.workflow.lead;

import java.time.Clock;

import io.relay.iadvize.internal.IAdvizeConfiguration;
import io.relay.workflow.outbound.ExternalReferences;
import io.relay.workflow.outbound.IdempotentRequests;
import io.relay.workflow.outbound.OutboundClients;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Startup checks of the lead workflow: off by default, and when on, every mistake stops startup with a message that
 * names the property, and never repeats a secret.
 */
class LeadPropertiesTests {

	private static final String VALID_BODY = "relay.workflows.lead.create.body={\"email\": \"{{visitor.email}}\"}";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(LeadConfiguration.class, IAdvizeConfiguration.class, OutboundClients.class,
				ExternalReferences.class, IdempotentRequests.class)
		.withBean(JdbcTemplate.class, () -> new JdbcTemplate(new SimpleDriverDataSource()))
		.withBean(Clock.class, Clock::systemUTC)
		.withPropertyValues("relay.iadvize.rest.api-key=rest-key-3f9c2a7d51e8");

	@Test
	void isOffByDefaultAndThenChecksNothing() {
		this.runner.withPropertyValues("relay.workflows.lead.create.url=not a url")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(LeadHandler.class));
	}

	@Test
	void startsWithAValidConfiguration() {
		this.runner.withPropertyValues("relay.workflows.lead.enabled=true",
				"relay.workflows.lead.create.url=https://crm.example.com/contacts", VALID_BODY)
			.run((context) -> assertThat(context).hasSingleBean(LeadHandler.class));
	}

	@Test
	void needsTheCreateRequest() {
		this.runner.withPropertyValues("relay.workflows.lead.enabled=true")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessage("relay.workflows.lead.create.url and relay.workflows.lead.create.body are required when "
						+ "the lead workflow is enabled"));
		this.runner.withPropertyValues("relay.workflows.lead.enabled=true",
				"relay.workflows.lead.create.url=https://crm.example.com/contacts")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessage("relay.workflows.lead.create.body is required (a JSON document)"));
	}

	@Test
	void namesTheTemplatePropertyAndTheUnknownName() {
		this.runner.withPropertyValues("relay.workflows.lead.enabled=true",
				"relay.workflows.lead.create.url=https://crm.example.com/contacts",
				"relay.workflows.lead.create.body={\"email\": \"{{visitor.mail}}\"}")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageStartingWith("relay.workflows.lead.create: ")
				.hasMessageContaining("visitor.mail"));
		this.runner.withPropertyValues("relay.workflows.lead.enabled=true",
				"relay.workflows.lead.create.url=https://crm.example.com/contacts", VALID_BODY,
				"relay.workflows.lead.update.url=https://crm.example.com/contacts/{{lead.id}}",
				"relay.workflows.lead.update.body={}")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageStartingWith("relay.workflows.lead.update: ")
				.hasMessageContaining("lead.id"));
	}

	@Test
	void namesTheWrongHttpSettingWithoutRepeatingASecret() {
		this.runner.withPropertyValues("relay.workflows.lead.enabled=true",
				"relay.workflows.lead.create.url=https://crm.example.com/contacts", VALID_BODY,
				"relay.workflows.lead.http.auth.type=bearer")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessage("relay.workflows.lead.http.auth.token is required when the auth type is bearer"));
		this.runner.withPropertyValues("relay.workflows.lead.enabled=true",
				"relay.workflows.lead.create.url=https://crm.example.com/contacts", VALID_BODY,
				"relay.workflows.lead.http.signing-secrets=my-signing-password-77")
			.run((context) -> {
				assertThat(context).getFailure()
					.rootCause()
					.hasMessageStartingWith("relay.workflows.lead.http.signing-secrets[0] must start with 'whsec_'");
				assertThat(context.getStartupFailure()).hasStackTraceContaining("signing-secrets[0]");
				assertThat(stackTrace(context.getStartupFailure())).doesNotContain("my-signing-password-77");
			});
		this.runner.withPropertyValues("relay.workflows.lead.enabled=true",
				"relay.workflows.lead.create.url=https://crm.example.com/contacts", VALID_BODY,
				"relay.workflows.lead.window=0s", "relay.workflows.lead.id-pointer=id")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessage("relay.workflows.lead.window must be positive, but was PT0S"));
		this.runner.withPropertyValues("relay.workflows.lead.enabled=true",
				"relay.workflows.lead.create.url=https://crm.example.com/contacts", VALID_BODY,
				"relay.workflows.lead.id-pointer=id")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessage("relay.workflows.lead.id-pointer must be a JSON pointer like /id, but was 'id'"));
	}

	@Test
	void refusesToStartWithoutTheIAdvizeRestApi() {
		new ApplicationContextRunner()
			.withUserConfiguration(LeadConfiguration.class, IAdvizeConfiguration.class, OutboundClients.class,
					ExternalReferences.class, IdempotentRequests.class)
			.withBean(JdbcTemplate.class, () -> new JdbcTemplate(new SimpleDriverDataSource()))
			.withBean(Clock.class, Clock::systemUTC)
			.withPropertyValues("relay.workflows.lead.enabled=true",
					"relay.workflows.lead.create.url=https://crm.example.com/contacts", VALID_BODY)
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageStartingWith("Workflow 'lead' is enabled and needs the iAdvize REST API, but "
						+ "relay.iadvize.rest.api-key is not set"));
	}

	private static String stackTrace(Throwable failure) {
		java.io.StringWriter text = new java.io.StringWriter();
		failure.printStackTrace(new java.io.PrintWriter(text));
		return text.toString();
	}

}
