package io.relay.workflow.csat;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The figures from the counts: iAdvize's "satisfied" share, the average, the NPS, and their rounding.
 */
class TallyTests {

	@Test
	void satisfiedIsTheShareOfTheScalesTopTwoValues() {
		Tally tally = new Tally(5);
		tally.add(Answers.Question.CSAT, 5, 1);
		tally.add(Answers.Question.CSAT, 4, 1);
		tally.add(Answers.Question.CSAT, 3, 1);
		tally.add(Answers.Question.CSAT, 1, 1);
		Summary.Csat csat = tally.csat();
		assertThat(csat.satisfied()).isEqualTo(50.0);
		assertThat(csat.average()).isEqualTo(3.25);
		assertThat(new Tally(5).csat().satisfied()).isNull();

		Tally tenPoints = new Tally(10);
		tenPoints.add(Answers.Question.CSAT, 9, 2);
		tenPoints.add(Answers.Question.CSAT, 8, 1);
		assertThat(tenPoints.csat().satisfied()).isEqualTo(66.7);
	}

	@Test
	void onAScaleOfTwoOrThreeSatisfiedIsTheShareOfTheTopValue() {
		// The top two would be every answer of a thumbs-up/down scale, and the middle of a three-point one.
		Tally thumbs = new Tally(2);
		thumbs.add(Answers.Question.CSAT, 2, 3);
		thumbs.add(Answers.Question.CSAT, 1, 1);
		assertThat(thumbs.csat().satisfied()).isEqualTo(75.0);

		Tally smileys = new Tally(3);
		smileys.add(Answers.Question.CSAT, 3, 1);
		smileys.add(Answers.Question.CSAT, 2, 1);
		smileys.add(Answers.Question.CSAT, 1, 2);
		assertThat(smileys.csat().satisfied()).isEqualTo(25.0);

		Tally fourPoints = new Tally(4);
		fourPoints.add(Answers.Question.CSAT, 3, 1);
		fourPoints.add(Answers.Question.CSAT, 1, 1);
		assertThat(fourPoints.csat().satisfied()).isEqualTo(50.0);
	}

	@Test
	void roundingIsExactAndHalfAwayFromZero() {
		// 41 / 40 = 1.025: binary doubles rounded it to 1.02.
		Tally average = new Tally(5);
		average.add(Answers.Question.CSAT, 2, 1);
		average.add(Answers.Question.CSAT, 1, 39);
		assertThat(average.csat().average()).isEqualTo(1.03);

		// (1 - 31) / 32 = -93.75 % and (31 - 1) / 32 = +93.75 %: the same distance from zero either way (-93.7 and
		// +93.8 before).
		Tally detractors = new Tally(5);
		detractors.add(Answers.Question.NPS, 0, 31);
		detractors.add(Answers.Question.NPS, 9, 1);
		Tally promoters = new Tally(5);
		promoters.add(Answers.Question.NPS, 10, 31);
		promoters.add(Answers.Question.NPS, 6, 1);
		assertThat(detractors.nps().score()).isEqualTo(-93.8);
		assertThat(promoters.nps().score()).isEqualTo(93.8);
	}

}
