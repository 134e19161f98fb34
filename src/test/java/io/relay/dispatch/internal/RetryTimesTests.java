package io.relay.dispatch.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RetryTimesTests {

	@Test
	void aRetryLaterThanTheEarliestIsKeptForWhenTheEarliestHasBeenReached() {
		RetryTimes retries = new RetryTimes(10);

		assertThat(retries.add(1_000)).as("the first").isTrue();
		assertThat(retries.add(3_000)).as("later than the earliest").isFalse();
		assertThat(retries.add(2_000)).as("later than the earliest").isFalse();
		assertThat(retries.earliest()).isEqualTo(1_000);

		retries.reached(1_000);
		assertThat(retries.earliest()).isEqualTo(2_000);
		retries.reached(2_500);
		assertThat(retries.earliest()).isEqualTo(3_000);
		assertThat(retries.add(2_600)).as("earlier than every one left").isTrue();
		retries.reached(5_000);
		assertThat(retries.earliest()).isEqualTo(Long.MAX_VALUE);
	}

	@Test
	void pastItsCapacityTheLatestRetriesAreDropped() {
		RetryTimes retries = new RetryTimes(2);
		retries.add(3_000);
		retries.add(1_000);

		assertThat(retries.add(2_000)).isFalse();
		assertThat(retries.add(500)).isTrue();

		retries.reached(500);
		assertThat(retries.earliest()).isEqualTo(1_000);
		retries.reached(1_000);
		assertThat(retries.earliest()).as("2,000 and 3,000 were dropped: the poll finds them").isEqualTo(Long.MAX_VALUE);
	}

}
