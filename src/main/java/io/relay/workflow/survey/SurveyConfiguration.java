package io.relay.workflow.survey;

import java.time.Clock;

import io.relay.iadvize.IAdvizeCredentials;
import io.relay.workflow.mail.EmailSettings;
import io.relay.workflow.mail.VisitorMail;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Sets the workflow up when {@code relay.workflows.survey.enabled=true}; refuses to start without what it needs.
 * The visitor is read over REST (onsite conversations) or GraphQL; without a REST key, GraphQL is required, and so
 * it is when transcripts are read ({@code min-visitor-messages} above 0).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("relay.workflows.survey.enabled")
@EnableConfigurationProperties(SurveyProperties.class)
class SurveyConfiguration {

	@Bean
	SurveyHandler surveyHandler(SurveyProperties properties, VisitorMail mail, IAdvizeCredentials credentials,
			Clock clock) {
		EmailSettings settings = properties.settings();
		if (!credentials.hasRestApi() || settings.minVisitorMessages() > 0) {
			credentials.requireGraphQlApi(SurveyProperties.NAME);
		}
		mail.requireReady(settings, credentials);
		return new SurveyHandler(settings, new SurveyLinks(properties.urlTemplate(), properties.tokenSecret(), clock),
				mail);
	}

}
