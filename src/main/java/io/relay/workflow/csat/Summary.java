package io.relay.workflow.csat;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The figures of a range of days, as {@code GET /dashboard/api/summary} answers them. Only answers and what
 * conversation events said: no visitor identity, no secret.
 *
 * @param from the first day covered
 * @param to the last day covered (inclusive)
 * @param timeZone the zone the days are cut in
 * @param byDay every day of the range, oldest first, days without answers included
 * @param byChannel per channel, most answered first; {@code key} is {@code null} for conversations Relay has seen no
 * {@code v2.conversation.*} event of
 * @param comments the latest comments, newest first
 */
record Summary(LocalDate from, LocalDate to, String timeZone, Csat csat, Nps nps, List<Day> byDay,
		List<Group> byChannel, List<Group> byOperator, List<Group> byProject, List<Comment> comments,
		Instant generatedAt) {

	/**
	 * @param average the mean answer, rounded to two decimals; {@code null} without answers
	 * @param satisfied the share of answers in the scale's top two values (4 and 5 on iAdvize's 1-5 scale: the CSAT
	 * iAdvize's own reports show; the top value only on a scale of 2 or 3), as a percentage rounded to one decimal;
	 * {@code null} without answers
	 * @param distribution how many answers each value got, from 1 to {@code scaleMax}
	 */
	record Csat(@Nullable Double average, @Nullable Double satisfied, long count, int scaleMax,
			Map<String, Long> distribution) {
	}

	/**
	 * @param score promoters (9-10) minus detractors (0-6), as a percentage of all answers, from -100 to 100,
	 * rounded to one decimal; {@code null} without answers
	 * @param distribution how many answers each value got, from 0 to 10
	 */
	record Nps(@Nullable Double score, long count, long promoters, long passives, long detractors,
			Map<String, Long> distribution) {
	}

	record Day(LocalDate day, Csat csat, Nps nps) {
	}

	/** @param key the channel, operator id or project id; {@code null} when not known */
	record Group(@Nullable String key, Csat csat, Nps nps) {
	}

	/** The conversation's comment, with its CSAT and NPS answers when it has them. */
	record Comment(String conversationId, String comment, Instant answeredAt, @Nullable String channel,
			@Nullable Long operatorId, @Nullable Long projectId, @Nullable Integer csat, @Nullable Integer nps) {
	}

}
