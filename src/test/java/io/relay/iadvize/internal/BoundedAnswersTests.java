package io.relay.iadvize.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.mock.http.client.MockClientHttpRequest;
import org.springframework.mock.http.client.MockClientHttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The answer's body as the clients read it: whole up to the limit, a successful one failing past it, an error
 * answer's ending there.
 */
class BoundedAnswersTests {

	private static final int LIMIT = 16;

	@Test
	void aSuccessfulAnswerUpToTheLimitIsReadWholeAndOnePastItFails() throws IOException {
		assertThat(body(HttpStatus.OK, 16).readAllBytes()).hasSize(16);
		try (InputStream tooLong = body(HttpStatus.OK, 17)) {
			assertThatExceptionOfType(BoundedAnswers.AnswerTooLarge.class).isThrownBy(tooLong::readAllBytes)
				.satisfies((ex) -> assertThat(ex.maxBytes()).isEqualTo(LIMIT));
		}
		try (InputStream byteByByte = body(HttpStatus.OK, 17)) {
			for (int i = 0; i < LIMIT; i++) {
				assertThat(byteByByte.read()).isEqualTo('a');
			}
			assertThatExceptionOfType(BoundedAnswers.AnswerTooLarge.class).isThrownBy(byteByByte::read);
		}
	}

	@Test
	void anErrorAnswersBodyEndsAtTheLimit() throws IOException {
		try (InputStream cut = body(HttpStatus.SERVICE_UNAVAILABLE, 100)) {
			assertThat(cut.available()).isEqualTo(LIMIT);
			assertThat(cut.readAllBytes()).hasSize(LIMIT);
			assertThat(cut.read()).isEqualTo(-1);
			assertThat(cut.available()).isZero();
		}
		try (InputStream skipped = body(HttpStatus.NOT_FOUND, 100)) {
			assertThat(skipped.skip(100)).isEqualTo(LIMIT);
			assertThat(skipped.skip(100)).isZero();
			assertThat(skipped.available()).isZero();
			assertThat(skipped.read()).isEqualTo(-1);
			assertThat(skipped.read(new byte[8])).isEqualTo(-1);
		}
	}

	@Test
	void aCutBodyThatEndedIsNotReadAnyFurther() throws IOException {
		// The end closes the body under it (so that closing the response does not drain an endless one), and a
		// closed body may throw when it is touched: the end answers for it instead.
		try (InputStream ended = body(HttpStatus.BAD_GATEWAY, 100)) {
			assertThat(ended.readAllBytes()).hasSize(LIMIT);
			assertThat(ended.available()).isZero();
			assertThat(ended.skip(10)).isZero();
			assertThat(ended.read()).isEqualTo(-1);
		}
	}

	@Test
	void theStreamKeepsTheInputStreamContract() throws IOException {
		try (InputStream body = body(HttpStatus.OK, 4)) {
			assertThat(body.read(new byte[8], 0, 0)).isZero();
			assertThat(body.markSupported()).isFalse();
		}
	}

	private static InputStream body(HttpStatus status, int length) throws IOException {
		// Buffered: like the HTTP client's body, it throws when used after it is closed.
		MockClientHttpResponse answer = new MockClientHttpResponse(
				new BufferedInputStream(new ByteArrayInputStream("a".repeat(length).getBytes())), status);
		ClientHttpResponse response = new BoundedAnswers(LIMIT).intercept(
				new MockClientHttpRequest(HttpMethod.GET, URI.create("https://sd.iadvize.com/api/2/visitor/1")),
				new byte[0], (request, requestBody) -> answer);
		return response.getBody();
	}

}
