package io.relay.workflow.conversationemail;

import io.relay.iadvize.IAdvizeCredentials;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.workflow.mail.EmailSettings;
import io.relay.workflow.mail.VisitorMail;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Sets the workflow up when {@code relay.workflows.conversation-email.enabled=true}; refuses to start without what
 * it needs. V2 transcripts are read over GraphQL, hence its credentials.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("relay.workflows.conversation-email.enabled")
@EnableConfigurationProperties(ConversationEmailProperties.class)
class ConversationEmailConfiguration {

	@Bean
	ConversationEmailHandler conversationEmailHandler(ConversationEmailProperties properties, VisitorMail mail,
			IAdvizeEnrichment iadvize, IAdvizeCredentials credentials) {
		credentials.requireGraphQlApi(ConversationEmailProperties.NAME);
		EmailSettings settings = properties.settings();
		mail.requireReady(settings, credentials);
		return new ConversationEmailHandler(settings, properties.timeZone(), mail, iadvize, credentials);
	}

}
