package io.relay.workflow.promocode;

import java.time.Clock;

import io.micrometer.core.instrument.MeterRegistry;
import io.relay.iadvize.IAdvizeCredentials;
import io.relay.workflow.mail.EmailSettings;
import io.relay.workflow.mail.VisitorMail;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Sets the workflow up when {@code relay.workflows.promo-code.enabled=true}; refuses to start without what it needs.
 * The pools and their admin API exist in any case.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("relay.workflows.promo-code.enabled")
@EnableConfigurationProperties(PromoCodeProperties.class)
class PromoCodeConfiguration {

	@Bean
	PromoCodeTransactions promoCodeTransactions(JdbcTemplate jdbc) {
		return new PromoCodeTransactions(jdbc);
	}

	@Bean("promoCodes")
	PromoCodeStats promoCodeStats(PromoCodePool pool, PromoCodeProperties properties, MeterRegistry registry) {
		return new PromoCodeStats(pool, properties.campaign(), properties.lowThreshold(), registry);
	}

	@Bean
	PromoCodeHandler promoCodeHandler(PromoCodeProperties properties, VisitorMail mail, PromoCodePool pool,
			PromoCodeTransactions transactions, PromoCodeStats stats, IAdvizeCredentials credentials, Clock clock) {
		EmailSettings settings = properties.settings();
		if (!credentials.hasRestApi() || settings.minVisitorMessages() > 0) {
			credentials.requireGraphQlApi(PromoCodeProperties.NAME);
		}
		mail.requireReady(settings);
		return new PromoCodeHandler(properties, mail, pool, transactions, stats, clock);
	}

	@Bean
	TransactionRecorder promoCodeTransactionRecorder(PromoCodeTransactions transactions) {
		return new TransactionRecorder(transactions);
	}

}
