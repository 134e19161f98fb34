package io.relay.workflow.promocode;

import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.relay.iadvize.IAdvizeCredentials;
import io.relay.system.PurgeSchedule;
import io.relay.workflow.mail.EmailSettings;
import io.relay.workflow.mail.VisitorMail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.SchedulingConfigurer;

/**
 * Sets the workflow up when {@code relay.workflows.promo-code.enabled=true}; refuses to start without what it needs.
 * The pools and their admin API exist in any case.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("relay.workflows.promo-code.enabled")
@EnableConfigurationProperties(PromoCodeProperties.class)
class PromoCodeConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(PromoCodeConfiguration.class);

	@Bean
	PromoCodeTransactions promoCodeTransactions(JdbcTemplate jdbc, Clock clock, Environment environment) {
		// The dispatcher owns relay.retention (validated there); read here as it resolves it.
		return new PromoCodeTransactions(jdbc, clock,
				environment.getProperty("relay.retention", Duration.class, PromoCodeTransactions.AT_LEAST));
	}

	/** Deletes old recorded transactions with the retention purge's rhythm (relay.dispatch.purge-interval). */
	@Bean
	SchedulingConfigurer promoCodeTransactionsPurge(PromoCodeTransactions transactions, Environment environment) {
		// The dispatcher owns relay.dispatch.purge-interval (validated there); the fallback is its default.
		Duration interval = environment.getProperty("relay.dispatch.purge-interval", Duration.class,
				Duration.ofHours(1));
		return (tasks) -> tasks.addFixedRateTask(PurgeSchedule.everyInterval(transactions::purgeOld, interval));
	}

	@Bean("promoCodes")
	PromoCodeStats promoCodeStats(PromoCodePool pool, PromoCodeProperties properties, MeterRegistry registry) {
		return new PromoCodeStats(pool, properties.campaign(), properties.lowThreshold(), registry);
	}

	@Bean
	PromoCodeHandler promoCodeHandler(PromoCodeProperties properties, VisitorMail mail, PromoCodePool pool,
			PromoCodeTransactions transactions, PromoCodeStats stats, IAdvizeCredentials credentials, Clock clock,
			Environment environment) {
		EmailSettings settings = properties.settings();
		if (!credentials.hasRestApi() || settings.minVisitorMessages() > 0) {
			credentials.requireGraphQlApi(PromoCodeProperties.NAME);
		}
		mail.requireReady(settings, credentials);
		warnIfTooFewAttempts(properties, environment);
		return new PromoCodeHandler(properties, mail, pool, transactions, stats, clock);
	}

	/**
	 * Each check for a transaction is an attempt of the delivery: with too few attempts, deliveries die before the
	 * wait is over. The dispatcher owns those settings, so this only warns (reading them as it resolves them).
	 */
	private static void warnIfTooFewAttempts(PromoCodeProperties properties, Environment environment) {
		if (!properties.requireTransaction()) {
			return;
		}
		Integer own = environment.getProperty("relay.dispatch.handlers." + PromoCodeProperties.NAME + ".max-attempts",
				Integer.class);
		int attempts = (own != null) ? own
				: environment.getProperty("relay.dispatch.defaults.max-attempts", Integer.class, 10);
		long checks = (long) Math.ceil((double) properties.transactionWait().toMillis()
				/ properties.transactionCheckInterval().toMillis());
		if (attempts <= checks) {
			logger.warn("relay.workflows.promo-code.transaction-wait ({}) checked every {} takes {} attempts, but "
					+ "relay.dispatch.handlers.promo-code.max-attempts is {}: deliveries waiting for a transaction will "
					+ "be dead before the wait is over. Raise max-attempts.", properties.transactionWait(),
					properties.transactionCheckInterval(), checks, attempts);
		}
	}

	@Bean
	TransactionRecorder promoCodeTransactionRecorder(PromoCodeTransactions transactions) {
		return new TransactionRecorder(transactions);
	}

}
