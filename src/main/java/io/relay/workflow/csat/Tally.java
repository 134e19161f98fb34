package io.relay.workflow.csat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Answer counts per value, for CSAT (1 to the scale's top) and NPS (0 to 10), turned into figures.
 */
final class Tally {

	private final long[] csat;

	private final long[] nps = new long[11];

	Tally(int scaleMax) {
		this.csat = new long[scaleMax + 1];
	}

	/** Counts {@code count} answers of {@code score}; values outside the scale (a lowered scale-max) are left out. */
	void add(Answers.Question question, int score, long count) {
		switch (question) {
			case CSAT -> {
				if (score >= 1 && score < this.csat.length) {
					this.csat[score] += count;
				}
			}
			case NPS -> {
				if (score >= 0 && score < this.nps.length) {
					this.nps[score] += count;
				}
			}
			case COMMENT -> {
			}
		}
	}

	void addAll(Tally other) {
		for (int score = 1; score < this.csat.length; score++) {
			this.csat[score] += other.csat[score];
		}
		for (int score = 0; score < this.nps.length; score++) {
			this.nps[score] += other.nps[score];
		}
	}

	long answers() {
		return sum(this.csat) + sum(this.nps);
	}

	Summary.Csat csat() {
		long count = 0;
		long total = 0;
		long satisfied = 0;
		int scaleMax = this.csat.length - 1;
		// The top two values; on a scale of two or three (thumbs, smileys) those would take in the middle or
		// everything, so only the top one.
		int lowestSatisfied = (scaleMax > 3) ? scaleMax - 1 : scaleMax;
		Map<String, Long> distribution = new LinkedHashMap<>();
		for (int score = 1; score <= scaleMax; score++) {
			count += this.csat[score];
			total += score * this.csat[score];
			if (score >= lowestSatisfied) {
				satisfied += this.csat[score];
			}
			distribution.put(Integer.toString(score), this.csat[score]);
		}
		Double average = (count > 0) ? ratio(total, count, 2) : null;
		Double share = (count > 0) ? ratio(100 * satisfied, count, 1) : null;
		return new Summary.Csat(average, share, count, scaleMax, distribution);
	}

	Summary.Nps nps() {
		long detractors = 0;
		long passives = 0;
		long promoters = 0;
		Map<String, Long> distribution = new LinkedHashMap<>();
		for (int score = 0; score < this.nps.length; score++) {
			long n = this.nps[score];
			if (score <= 6) {
				detractors += n;
			}
			else if (score <= 8) {
				passives += n;
			}
			else {
				promoters += n;
			}
			distribution.put(Integer.toString(score), n);
		}
		long count = detractors + passives + promoters;
		Double score = (count > 0) ? ratio(100 * (promoters - detractors), count, 1) : null;
		return new Summary.Nps(score, count, promoters, passives, detractors, distribution);
	}

	/**
	 * {@code dividend / divisor} rounded half away from zero, exactly: in binary doubles 41/40 = 1.025 rounded to
	 * 1.02, and -93.75 to -93.7 while 93.75 went to 93.8.
	 */
	private static double ratio(long dividend, long divisor, int decimals) {
		return BigDecimal.valueOf(dividend)
			.divide(BigDecimal.valueOf(divisor), decimals, RoundingMode.HALF_UP)
			.doubleValue();
	}

	private static long sum(long[] counts) {
		long sum = 0;
		for (long count : counts) {
			sum += count;
		}
		return sum;
	}

}
