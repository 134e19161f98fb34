package io.relay.workflow.csat;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@ConditionalOnCsatDashboard
@EnableConfigurationProperties(CsatDashboardProperties.class)
class CsatDashboardConfiguration {

	@Bean
	SharedSummaries sharedSummaries(Answers answers, Summaries summaries, MeterRegistry registry) {
		return new SharedSummaries(answers::lastChange, summaries::summarize, registry, SharedSummaries.TURN_WAIT);
	}

}
