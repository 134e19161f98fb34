package io.relay.workflow.promocode;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.relay.event.Channel;
import io.relay.workflow.mail.EmailSettings;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code promo-code} workflow: a code from a campaign's pool, emailed to the visitor when a conversation closes.
 *
 * @param enabled whether the workflow runs (off by default); it then needs {@code spring.mail.host}, the iAdvize REST
 * or GraphQL API, {@code from} and {@code campaign}
 * @param from the sender: {@code shop@example.com} or {@code "Example Shop <shop@example.com>"}
 * @param replyTo where the visitor's answers go, if not to {@code from}
 * @param subject the subject; unset, the template's {@code subject.txt} gives it in the conversation's language
 * @param language the language of the email (templates ship in {@code en} and {@code fr})
 * @param languages a language per project id, overriding {@code language}
 * @param channels only conversations on these channels; empty means all
 * @param projectIds only conversations of these projects; empty means all
 * @param minVisitorMessages no code for a conversation in which the visitor wrote fewer messages (0: no check, and
 * no transcript is read); needs the GraphQL API for v2 conversations
 * @param optOut addresses and domains that never get this email (besides {@code relay.mail.opt-out})
 * @param campaign the campaign whose pool the codes come from; a visitor gets at most one code per campaign
 * @param requireTransaction only conversations to which iAdvize attributed a transaction
 * ({@code transaction.attributed}) get a code
 * @param transactionWait how long after the close event a transaction may still come; past that, the delivery is
 * skipped
 * @param transactionCheckInterval how often a waiting delivery checks again for a transaction
 * @param lowThreshold at or below this many free codes, the pool is reported low (health detail)
 * @param emptyPoolRetryInterval how long a delivery waits before trying again when the pool is empty
 * @param statsInterval how often the free codes are counted for the metric and the health detail
 */
@ConfigurationProperties("relay.workflows.promo-code")
record PromoCodeProperties(boolean enabled, @Nullable String from, @Nullable String replyTo, @Nullable String subject,
		@DefaultValue("en") String language, @DefaultValue Map<Long, String> languages,
		@DefaultValue List<Channel> channels, @DefaultValue List<Long> projectIds,
		@DefaultValue("0") int minVisitorMessages, @DefaultValue List<String> optOut, @Nullable String campaign,
		boolean requireTransaction, @DefaultValue("24h") Duration transactionWait,
		@DefaultValue("15m") Duration transactionCheckInterval, @DefaultValue("100") int lowThreshold,
		@DefaultValue("10m") Duration emptyPoolRetryInterval, @DefaultValue("30s") Duration statsInterval) {

	static final String NAME = "promo-code";

	private static final String PREFIX = "relay.workflows.promo-code.";

	PromoCodeProperties {
		// Bound even when disabled (the application scans for properties): only an enabled workflow is checked.
		if (enabled) {
			settings(from, replyTo, subject, language, languages, channels, projectIds, minVisitorMessages, optOut);
			if (campaign == null || !Codes.isValidCampaign(campaign)) {
				throw new IllegalArgumentException(PREFIX + "campaign must be set to the campaign whose codes are "
						+ "handed out (" + Codes.RULE + "), but was '" + campaign + "'");
			}
			positive(transactionWait, "transaction-wait");
			positive(transactionCheckInterval, "transaction-check-interval");
			positive(emptyPoolRetryInterval, "empty-pool-retry-interval");
			positive(statsInterval, "stats-interval");
			if (lowThreshold < 0) {
				throw new IllegalArgumentException(PREFIX + "low-threshold must not be negative, but was " + lowThreshold);
			}
		}
	}

	EmailSettings settings() {
		return settings(this.from, this.replyTo, this.subject, this.language, this.languages, this.channels,
				this.projectIds, this.minVisitorMessages, this.optOut);
	}

	private static EmailSettings settings(@Nullable String from, @Nullable String replyTo, @Nullable String subject,
			String language, Map<Long, String> languages, List<Channel> channels, List<Long> projectIds,
			int minVisitorMessages, List<String> optOut) {
		return new EmailSettings(NAME, from, replyTo, subject, language, languages,
				EmailSettings.filter(channels, projectIds), minVisitorMessages, optOut);
	}

	private static void positive(Duration duration, String property) {
		if (duration.isNegative() || duration.isZero()) {
			throw new IllegalArgumentException(PREFIX + property + " must be positive, but was " + duration);
		}
	}

}
