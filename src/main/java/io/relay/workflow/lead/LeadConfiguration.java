package io.relay.workflow.lead;

import java.time.Clock;

import io.relay.iadvize.IAdvizeCredentials;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.workflow.outbound.ExternalReferences;
import io.relay.workflow.outbound.IdempotentRequests;
import io.relay.workflow.outbound.OutboundClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code lead} workflow, when {@code relay.workflows.lead.enabled=true}. It reads visitors over the iAdvize
 * REST API (visitor.updated events name visitors by an id only REST knows), so it refuses to start without
 * {@code relay.iadvize.rest.api-key}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(LeadProperties.PREFIX + ".enabled")
@EnableConfigurationProperties(LeadProperties.class)
class LeadConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(LeadConfiguration.class);

	@Bean
	LeadVisitors leadVisitors(JdbcTemplate jdbc) {
		return new LeadVisitors(jdbc);
	}

	@Bean
	LeadHandler leadHandler(LeadProperties properties, IAdvizeCredentials credentials, IAdvizeEnrichment iadvize,
			OutboundClients clients, ExternalReferences references, IdempotentRequests requests,
			LeadVisitors visitors, Clock clock) {
		credentials.requireRestApi(LeadHandler.NAME);
		if (!credentials.hasGraphQlApi()) {
			logger.info("Workflow 'lead': relay.iadvize.graphql.* is not set, so visitors of offsite conversations "
					+ "(no visitorExternalId) cannot be read; their deliveries will fail");
		}
		if (properties.http().signingSecrets().isEmpty()) {
			logger.info("Workflow 'lead': requests are not signed ({}.http.signing-secrets is empty)",
					LeadProperties.PREFIX);
		}
		return new LeadHandler(properties, iadvize, clients.create(LeadHandler.NAME, properties.http()),
				visitors, references, requests, clock);
	}

}
