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

/**
 * Stops reading an answer past {@code relay.iadvize.max-answer-size}: every answer is read whole into memory, so one
 * without an end (a broken proxy, a runaway list) would otherwise fill the heap that the intake shares. A successful
 * answer read further fails with {@link AnswerTooLarge}, which {@link Failures#fromIo} makes a permanent failure that
 * names the property; an error answer's body ends there.
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
			// An error answer's body is only quoted (shortened) in the failure: cut at the limit, its status decides
			// (a 503 stays retryable). A successful answer cut short would be read as another: it fails instead.
			return new BoundedStream(this.response.getBody(), this.maxBytes, !getStatusCode().is2xxSuccessful());
		}

		@Override
		public void close() {
			this.response.close();
		}

	}

	private static final class BoundedStream extends FilterInputStream {

		private final long maxBytes;

		/** Whether the body ends at the limit (an error answer) rather than fails there. */
		private final boolean cut;

		private long read;

		BoundedStream(InputStream body, long maxBytes, boolean cut) {
			super(body);
			this.maxBytes = maxBytes;
			this.cut = cut;
		}

		@Override
		public int read() throws IOException {
			if (this.cut && remaining() <= 0) {
				return end();
			}
			int next = super.read();
			if (next >= 0) {
				counted(1);
			}
			return next;
		}

		@Override
		public int read(byte[] buffer, int offset, int length) throws IOException {
			if (length == 0) {
				return 0;
			}
			if (this.cut && remaining() <= 0) {
				return end();
			}
			int wanted = this.cut ? (int) Math.min(length, remaining()) : length;
			int count = super.read(buffer, offset, wanted);
			if (count > 0) {
				counted(count);
			}
			return count;
		}

		@Override
		public int available() throws IOException {
			if (!this.cut) {
				return super.available();
			}
			// At the limit the body has ended, and the stream under it may be closed: it is not asked.
			return (remaining() <= 0) ? 0 : (int) Math.min(super.available(), remaining());
		}

		@Override
		public boolean markSupported() {
			return false; // a reset would not give back the bytes counted
		}

		@Override
		public long skip(long n) throws IOException {
			if (this.cut && remaining() <= 0) {
				end();
				return 0;
			}
			long skipped = super.skip(this.cut ? Math.min(n, remaining()) : n);
			counted(skipped);
			return skipped;
		}

		/** What is left to read before the limit: for a cut body, where it ends. */
		private long remaining() {
			return this.maxBytes - this.read;
		}

		private void counted(long bytes) throws IOException {
			this.read += bytes;
			if (this.read > this.maxBytes) {
				AnswerTooLarge tooLarge = new AnswerTooLarge(this.maxBytes);
				try {
					closeUnderlying();
				}
				catch (IOException ex) {
					tooLarge.addSuppressed(ex);
				}
				throw tooLarge;
			}
		}

		/** The end of a cut body: what is left is not read. */
		private int end() {
			try {
				closeUnderlying();
			}
			catch (IOException ex) {
				// Nothing more is read from it either way.
			}
			return -1;
		}

		/**
		 * Closes the body before the response is: closing the response reads what is left of the body (to reuse
		 * the connection), which for an answer without an end lasts until the read timeout.
		 */
		private void closeUnderlying() throws IOException {
			this.in.close();
		}

	}

}
