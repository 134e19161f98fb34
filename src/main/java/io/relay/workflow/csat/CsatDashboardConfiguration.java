package io.relay.workflow.csat;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
@ConditionalOnCsatDashboard
@EnableConfigurationProperties(CsatDashboardProperties.class)
class CsatDashboardConfiguration {

}
