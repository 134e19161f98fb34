package io.relay.workflow.mail;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;
import io.relay.iadvize.IAdvizeEnrichment;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * The shared mail plumbing. Always present (it is cheap and sends nothing by itself); the workflows that use it
 * check at startup that an SMTP server is configured.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(MailProperties.class)
class MailConfiguration {

	@Bean
	VisitorMail visitorMail(IAdvizeEnrichment iadvize, ObjectProvider<JavaMailSender> senders,
			MailProperties properties, JdbcTemplate jdbc, Clock clock, MeterRegistry registry) {
		return new VisitorMail(iadvize, senders, new MailTemplates(properties.templateDirectory()), new SentMails(jdbc),
				properties, clock, registry);
	}

}
