package io.relay.iadvize.internal;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.util.StreamUtils;

/**
 * Stops reading an answer past {@code relay.iadvize.max-answer-size}: every answer is read whole into memory, so one
 * without an end (a broken proxy, a runaway list) would otherwise fill the heap that the intake shares. Reading
 * further fails with {@link AnswerTooLarge}, which {@link Failures#fromIo} makes a permanent failure that names the
 * property.
 */
final class BoundedAnswers implements ClientHttpRequestInterceptor {

	private final long maxBytes;

	BoundedAnswers(long maxBytes) {
		this.maxBytes = maxBytes;
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		return new BoundedResponse(execution.execute(request, body), this.maxBytes);
	}

	/**
	 * The whole body of an answer read by hand; of an error answer past the limit, none: its status says what
	 * happened (a 503 stays retryable), and its body would only have been quoted.
	 */
	static byte[] body(HttpStatusCode status, InputStream body) throws IOException {
		try {
			return StreamUtils.copyToByteArray(body);
		}
		catch (AnswerTooLarge ex) {
			if (status.is2xxSuccessful()) {
				throw ex;
			}
			return new byte[0];
		}
	}

	/** Read past the limit. */
	static final class AnswerTooLarge extends IOException {

		private final long maxBytes;

		AnswerTooLarge(long maxBytes) {
			super("the answer is larger than " + maxBytes + " bytes");
			this.maxBytes = maxBytes;
		}

		long maxBytes() {
			return this.maxBytes;
		}

	}

	private record BoundedResponse(ClientHttpResponse response, long maxBytes) implements ClientHttpResponse {

		@Override
		public HttpStatusCode getStatusCode() throws IOException {
			return this.response.getStatusCode();
		}

		@Override
		public String getStatusText() throws IOException {
			return this.response.getStatusText();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.response.getHeaders();
		}

		@Override
		public InputStream getBody() throws IOException {
			return new BoundedStream(this.response.getBody(), this.maxBytes);
		}

		@Override
		public void close() {
			this.response.close();
		}

	}

	private static final class BoundedStream extends FilterInputStream {

		private final long maxBytes;

		private long read;

		BoundedStream(InputStream body, long maxBytes) {
			super(body);
			this.maxBytes = maxBytes;
		}

		@Override
		public int read() throws IOException {
			int next = super.read();
			if (next >= 0) {
				counted(1);
			}
			return next;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			int count = super.read(buffer, offset, length);
			if (count > 0) {
				counted(count);
			}
			return count;
		}

		@Override
		public long skip(long n) throws IOException {
			long skipped = super.skip(n);
			counted(skipped);
			return skipped;
		}

		private void counted(long bytes) throws IOException {
			this.read += bytes;
			if (this.read > this.maxBytes) {
				// Closed first: closing the response reads what is left of the body (to reuse the connection),
				// which for an answer without an end lasts until the read timeout.
				this.in.close();
				throw new AnswerTooLarge(this.maxBytes);
			}
		}

	}

}
