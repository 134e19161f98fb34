package io.relay.workflow.ticket;

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
 * Startup checks of the ticket workflow: off by default, and when on, every mistake stops startup with a message
 * that names the property.
 */
class TicketPropertiesTests {

	private static final String[] VALID = { "relay.workflows.ticket.enabled=true",
			"relay.workflows.ticket.request.url=https://helpdesk.example.com/api/tickets",
			"relay.workflows.ticket.request.body={\"subject\": \"{{conversation.id}}\", \"body\": \"{{transcript.text}}\"}" };

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(TicketConfiguration.class, IAdvizeConfiguration.class, OutboundClients.class,
				ExternalReferences.class, IdempotentRequests.class)
		.withBean(JdbcTemplate.class, () -> new JdbcTemplate(new SimpleDriverDataSource()))
		.withBean(Clock.class, Clock::systemUTC)
		.withPropertyValues("relay.iadvize.rest.api-key=rest-key-3f9c2a7d51e8",
				"relay.iadvize.graphql.username=relay-bot@example.com",
				"relay.iadvize.graphql.password=graphql-password-8d2b61f0");

	@Test
	void isOffByDefault() {
		this.runner.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(TicketHandler.class)
			.doesNotHaveBean(SatisfactionHandler.class));
	}

	@Test
	void keepsSatisfactionAnswersOnlyForTheLowSatisfactionCondition() {
		this.runner.withPropertyValues(VALID)
			.run((context) -> assertThat(context).hasSingleBean(TicketHandler.class)
				.doesNotHaveBean(SatisfactionHandler.class));
		this.runner.withPropertyValues(VALID)
			.withPropertyValues("relay.workflows.ticket.low-satisfaction=2")
			.run((context) -> assertThat(context).hasSingleBean(TicketHandler.class)
				.hasSingleBean(SatisfactionHandler.class));
	}

	@Test
	void namesTheMissingOrWrongProperty() {
		this.runner.withPropertyValues("relay.workflows.ticket.enabled=true")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessage("relay.workflows.ticket.request.url and relay.workflows.ticket.request.body are required "
						+ "when the ticket workflow is enabled"));
		this.runner.withPropertyValues(VALID)
			.withPropertyValues("relay.workflows.ticket.conversation-url=https://desk.example.com/{{conversation.uuid}}")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageStartingWith("relay.workflows.ticket.conversation-url: ")
				.hasMessageContaining("conversation.uuid"));
		this.runner.withPropertyValues(VALID)
			.withPropertyValues("relay.workflows.ticket.low-satisfaction=-1")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessage("relay.workflows.ticket.low-satisfaction must not be negative, but was -1"));
		this.runner.withPropertyValues(VALID)
			.withPropertyValues("relay.workflows.ticket.http.auth.type=api-key")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessage("relay.workflows.ticket.http.auth.api-key is required when the auth type is api-key"));
		this.runner.withPropertyValues(VALID)
			.withPropertyValues("relay.workflows.ticket.channels=chat,pigeon")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("Failed to bind properties under 'relay.workflows.ticket.channels'")
				.rootCause()
				.hasMessageContaining("pigeon"));
	}

	@Test
	void refusesToStartWithoutBothIAdvizeApis() {
		ApplicationContextRunner bare = new ApplicationContextRunner()
			.withUserConfiguration(TicketConfiguration.class, IAdvizeConfiguration.class, OutboundClients.class,
					ExternalReferences.class, IdempotentRequests.class)
			.withBean(JdbcTemplate.class, () -> new JdbcTemplate(new SimpleDriverDataSource()))
			.withBean(Clock.class, Clock::systemUTC)
			.withPropertyValues(VALID);
		bare.withPropertyValues("relay.iadvize.rest.api-key=rest-key-3f9c2a7d51e8")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageStartingWith("Workflow 'ticket' is enabled and needs the iAdvize GraphQL API, but "
						+ "relay.iadvize.graphql.username and relay.iadvize.graphql.password are not set"));
		bare.withPropertyValues("relay.iadvize.graphql.username=relay-bot@example.com",
				"relay.iadvize.graphql.password=graphql-password-8d2b61f0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageStartingWith("Workflow 'ticket' is enabled and needs the iAdvize REST API, but "
						+ "relay.iadvize.rest.api-key is not set"));
	}

}
