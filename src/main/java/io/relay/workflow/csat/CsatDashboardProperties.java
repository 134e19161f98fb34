package io.relay.workflow.csat;

import java.time.Duration;
import java.time.ZoneId;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the {@code csat-dashboard} workflow.
 *
 * @param enabled whether the workflow runs: its handler gets deliveries and {@code /dashboard} exists
 * @param scaleMax the highest CSAT answer (answers run from 1 to this); answers above it are skipped, not counted
 * @param commentsShown how many of the latest comments the page and the summary show
 * @param defaultDays how many days (up to today) the figures cover when no {@code from} is given
 * @param timeZone the time zone whose days the figures are cut into (an answer's day is fixed when it is recorded)
 * @param pollInterval how often the page's live connections look for answers recorded by other instances of Relay
 * (answers handled by this instance are pushed at once)
 */
@ConfigurationProperties("relay.workflows.csat-dashboard")
record CsatDashboardProperties(@DefaultValue("true") boolean enabled, @DefaultValue("5") int scaleMax,
		@DefaultValue("20") int commentsShown, @DefaultValue("30") int defaultDays,
		@DefaultValue("UTC") ZoneId timeZone, @DefaultValue("5s") Duration pollInterval) {

	static final String PREFIX = "relay.workflows.csat-dashboard";

	/** The longest range a summary covers. */
	static final int MAX_DAYS = 366;

	CsatDashboardProperties {
		check(scaleMax >= 2 && scaleMax <= 10, PREFIX + ".scale-max must be between 2 and 10, but was " + scaleMax);
		check(commentsShown >= 0 && commentsShown <= 200,
				PREFIX + ".comments-shown must be between 0 and 200, but was " + commentsShown);
		check(defaultDays >= 1 && defaultDays <= MAX_DAYS,
				PREFIX + ".default-days must be between 1 and " + MAX_DAYS + ", but was " + defaultDays);
		check(!pollInterval.isNegative() && pollInterval.compareTo(Duration.ofMillis(100)) >= 0,
				PREFIX + ".poll-interval must be at least 100ms, but was " + pollInterval);
	}

	private static void check(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

}
