package io.relay.support;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.extension.Parameters;
import com.github.tomakehurst.wiremock.extension.ServeEventListener;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import org.jspecify.annotations.Nullable;

/**
 * A WireMock listener that holds the answers to requests whose URL starts with a given path until the test releases
 * them: a slow iAdvize or CRM that stays slow exactly as long as a test needs, instead of a fixed delay that must outlast
 * every assertion made meanwhile (and fails on a slow machine).
 */
public final class HeldResponses implements ServeEventListener {

	private volatile @Nullable String heldPath;

	private volatile CountDownLatch released = new CountDownLatch(0);

	/** From now on, requests to {@code path} are answered once {@link #release()} is called. */
	public void hold(String path) {
		this.released = new CountDownLatch(1);
		this.heldPath = path;
	}

	/** Answers the requests held so far, and holds none from now on. */
	public void release() {
		this.heldPath = null;
		this.released.countDown();
	}

	@Override
	public void beforeResponseSent(ServeEvent serveEvent, Parameters parameters) {
		String held = this.heldPath;
		if (held != null && serveEvent.getRequest().getUrl().startsWith(held)) {
			try {
				// Bounded, so that a test failing before its release does not hang the server's thread for good.
				this.released.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public String getName() {
		return "held-responses";
	}

}
