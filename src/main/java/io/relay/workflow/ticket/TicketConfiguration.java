package io.relay.workflow.ticket;

import java.time.Clock;

import io.relay.iadvize.IAdvizeCredentials;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.workflow.outbound.ExternalReferences;
import io.relay.workflow.outbound.IdempotentRequests;
import io.relay.workflow.outbound.OutboundClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code ticket} workflow, when {@code relay.workflows.ticket.enabled=true}. It reads the transcript over the
 * iAdvize GraphQL API (v2 conversations are known by UUID there only) and the operator over REST, so it refuses to
 * start without both sets of credentials.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(TicketProperties.PREFIX + ".enabled")
@EnableConfigurationProperties(TicketProperties.class)
class TicketConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(TicketConfiguration.class);

	@Bean
	Satisfactions ticketSatisfactions(JdbcTemplate jdbc) {
		return new Satisfactions(jdbc);
	}

	@Bean
	TicketHandler ticketHandler(TicketProperties properties, IAdvizeCredentials credentials, IAdvizeEnrichment iadvize,
			OutboundClients clients, Satisfactions satisfactions, ExternalReferences references,
			IdempotentRequests requests, Clock clock) {
		credentials.requireGraphQlApi(TicketHandler.NAME);
		credentials.requireRestApi(TicketHandler.NAME);
		if (properties.http().signingSecrets().isEmpty()) {
			logger.info("Workflow 'ticket': requests are not signed ({}.http.signing-secrets is empty)",
					TicketProperties.PREFIX);
		}
		return new TicketHandler(properties, iadvize, clients.create(TicketHandler.NAME, properties.http()),
				satisfactions, references, requests, clock);
	}

	/** Only when the low-satisfaction condition is configured: nothing else needs the CSAT answers. */
	@Bean
	@ConditionalOnProperty(TicketProperties.PREFIX + ".low-satisfaction")
	SatisfactionHandler ticketSatisfactionHandler(TicketProperties properties, Satisfactions satisfactions) {
		return new SatisfactionHandler(properties, satisfactions);
	}

}
