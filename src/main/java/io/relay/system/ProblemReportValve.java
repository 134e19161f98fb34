package io.relay.system;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

/**
 * Answers what Tomcat refuses by itself, before any of Relay's code sees the request (a malformed request line, URL
 * or header, an encoded slash or backslash in the path, headers over the size limit), with an RFC 9457 problem
 * instead of Tomcat's HTML page, so that every refusal a client gets from Relay reads the same way.
 * <p>
 * It writes only when nothing was written: everything that reaches Relay is answered by Relay itself (its
 * controllers' problems, {@link ProblemErrorController} for the container's error page). Tomcat's message is not
 * echoed (it may quote the request); the status says what kind of refusal it was. A refusal of a webhook delivery
 * (a path under {@code /webhooks/}) is counted with the webhook's other refusals, {@code reason=rejected}.
 * <p>
 * Public, with a public constructor: Tomcat's host creates its error report valve by class name when it finds none.
 */
public final class ProblemReportValve extends ErrorReportValve {

	/** Detail of a refusal; asserted by the tests, which tell this valve's answers from the firewall's by it. */
	static final String REFUSED = "The web server refused the request before Relay read it";

	private final Supplier<@Nullable Counter> webhookRefusals;

	/** Counting nothing (what Tomcat would make, should it make one by class name). */
	public ProblemReportValve() {
		this(() -> null);
	}

	/** Counting webhook refusals on the counter supplied (once there is a registry to make it in). */
	ProblemReportValve(Supplier<@Nullable Counter> webhookRefusals) {
		this.webhookRefusals = webhookRefusals;
	}

	@Override
	protected void report(Request request, Response response, @Nullable Throwable throwable) {
		int status = response.getStatus();
		// Tomcat's own guards: an error, nothing written yet, not reported already, and a connection still usable.
		if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
			return;
		}
		if (isRefusal(status) && isWebhook(request)) {
			Counter refusals = this.webhookRefusals.get();
			if (refusals != null) {
				refusals.increment();
			}
		}
		AtomicBoolean ioAllowed = new AtomicBoolean();
		response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
		if (!ioAllowed.get()) {
			return;
		}
		try {
			response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
			response.setCharacterEncoding("UTF-8");
			Writer writer = response.getReporter();
			if (writer != null) {
				writer.write(problem(status));
				// As Tomcat's own report does: the answer is complete, also for a request in async mode.
				response.finishResponse();
			}
		}
		catch (IOException | IllegalStateException ex) {
			// The client is gone or the response was taken over meanwhile: nothing more to say to it.
		}
	}

	/** A refusal of the request, not a failure to answer it (501 and 505, for an unknown method or version, are). */
	private static boolean isRefusal(int status) {
		return status != 500 && status != 503;
	}

	private static boolean isWebhook(Request request) {
		try {
			return WebhookDeliveries.isWebhookPath(request.getRequestURI());
		}
		catch (RuntimeException ex) {
			// A request line Tomcat could not parse: no path to tell.
			return false;
		}
	}

	static String problem(int status) {
		HttpStatus known = HttpStatus.resolve(status);
		String title = (known != null) ? known.getReasonPhrase() : "Error";
		return "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\""
				+ detail(status) + "\"" + (isRefusal(status) ? ",\"reason\":\"rejected\"" : "") + "}";
	}

	private static String detail(int status) {
		if (!isRefusal(status)) {
			return "The web server failed to answer this request; Relay's log says why.";
		}
		return (status == 400) ? REFUSED + ": a malformed request line, URL or header (an encoded slash or backslash "
				+ "in the path, say), or headers too large." : REFUSED + ".";
	}

}
