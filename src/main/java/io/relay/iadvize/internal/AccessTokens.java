package io.relay.iadvize.internal;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.locks.ReentrantLock;

import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.util.StreamUtils;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The GraphQL API's OAuth access token (password grant): fetched on first use, shared by every thread, replaced
 * {@code token-refresh-margin} before it expires or when the API calls it {@code invalid_token} ({@link #replace}).
 * <p>
 * iAdvize allows 10 logins a minute per user, so logins are rationed: one at a time (callers that need a token
 * while another thread logs in wait for that login and share its token, or its failure when that is transient),
 * and at most
 * {@code max-logins-per-minute} in any minute. Past that budget a still-valid token keeps being used; without one,
 * the call fails as retryable, after the time the budget frees up.
 */
final class AccessTokens {

	private static final Logger logger = LoggerFactory.getLogger(AccessTokens.class);

	static final String RESOURCE = "token";

	/** The documented lifetime, assumed when an answer has no {@code expires_in}. */
	static final Duration DEFAULT_LIFETIME = Duration.ofHours(24);

	private static final Duration MINUTE = Duration.ofMinutes(1);

	/**
	 * After iAdvize refused the credentials, how long no login is tried (the calls that need a new token fail as
	 * retryable meanwhile): logging in with a wrong password at the budget's pace, all day, could get the shared
	 * user locked.
	 */
	static final Duration REFUSED_LOGIN_PAUSE = Duration.ofMinutes(10);

	private final IAdvizeProperties.GraphQl settings;

	private final RestClient client;

	private final JsonMapper json;

	private final Clock clock;

	private final Failures failures;

	private final ApiMetrics metrics;

	private final Secrets secrets;

	private final ReentrantLock lock = new ReentrantLock();

	private volatile @Nullable Token token;

	/** When the logins of the last minute happened; guarded by {@link #lock}. */
	private final Deque<Instant> logins = new ArrayDeque<>();

	/** The last login's failure, if it failed; guarded by {@link #lock}. */
	private @Nullable IAdvizeApiException lastFailure;

	/**
	 * How many logins have ended (written under {@link #lock}): a thread that saw a login end while it waited for
	 * the lock shares that login's token, or its failure when that is transient, rather than try again at once.
	 */
	private volatile long loginsEnded;

	/** Until when no login is tried after one iAdvize refused (then {@link #lastFailure}). */
	private Instant refusedUntil = Instant.MIN;

	AccessTokens(IAdvizeProperties.GraphQl settings, RestClient client, JsonMapper json, Clock clock, Failures failures,
			ApiMetrics metrics, Secrets secrets) {
		this.settings = settings;
		this.client = client;
		this.json = json;
		this.clock = clock;
		this.failures = failures;
		this.metrics = metrics;
		this.secrets = secrets;
	}

	/**
	 * A token to send now: the shared one, or a new one when it is due for replacement.
	 * @param refusedToThisCall whether the API refused a token to this call already (an earlier attempt): then never
	 * a token known to be refused, so that its retries wait for a new login rather than send what was refused
	 */
	Token current(boolean refusedToThisCall) {
		Token current = this.token;
		Instant now = this.clock.instant();
		if (current != null && current.usableAt(now)) {
			return current;
		}
		long loginsSeen = this.loginsEnded;
		if (current != null && !current.refused() && now.isBefore(current.expiresAt())) {
			// Due for replacement but still valid: one thread logs in, the others go on with this token rather
			// than wait (a slow token endpoint would otherwise hold every call for as long as the login takes).
			if (!this.lock.tryLock()) {
				return current;
			}
		}
		else {
			this.lock.lock();
		}
		try {
			return renewed(refusedToThisCall, loginsSeen);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * A token in place of {@code refused}, which the API refused ({@code invalid_token}): another thread's new one,
	 * or a new login's (one login however many threads report the same refused token). The refused token stays the
	 * fallback of the other calls until it expires (it may be refused by one resource only, for reasons of its
	 * own): when no login can be made (the budget is spent, logins are paused, the token endpoint is down), they go
	 * on with it rather than all failing. The caller never gets a token known to be refused: it gets the reason no
	 * login could be made instead.
	 */
	Token replace(Token refused) {
		long loginsSeen = this.loginsEnded;
		this.lock.lock();
		try {
			if (this.token == refused && !refused.refused()) {
				logger.info("The iAdvize GraphQL API refused the access token (invalid_token); replacing it");
				this.token = refused.asRefused();
			}
			return renewed(true, loginsSeen);
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * The shared token, logging in first when it is due for replacement or known to be refused. Called with
	 * {@link #lock} held.
	 * @param refusedToCaller whether the caller was refused a token: it is not given a refused one as the fallback
	 * @param loginsSeen {@link #loginsEnded} before the caller waited for the lock
	 */
	private Token renewed(boolean refusedToCaller, long loginsSeen) {
		Token current = this.token;
		Instant now = this.clock.instant();
		if (current != null && current.usableAt(now)) {
			return current; // another thread logged in while this one waited
		}
		Token stillValid = (current != null && now.isBefore(current.expiresAt())
				&& !(refusedToCaller && current.refused())) ? current : null;
		IAdvizeApiException failure = this.lastFailure;
		if (failure != null && failure.retryable() && this.loginsEnded != loginsSeen) {
			// The login this caller waited for failed for now: its outcome is this caller's too (one failed login,
			// not one per waiting thread, each as slow as the token endpoint is). A permanent failure (refused
			// credentials, a wrong token-url) is not shared: only the call whose own login got it fails for good.
			if (stillValid != null) {
				return stillValid;
			}
			throw waitedFor(failure);
		}
		// Only refused credentials pause the logins: other failures (a wrong token-url's 404) risk no lockout.
		IAdvizeApiException refusal = (failure instanceof IAdvizeApiException.AuthenticationFailed) ? failure : null;
		boolean paused = refusal != null && now.isBefore(this.refusedUntil);
		Duration wait = paused ? null : loginBudgetWait(now);
		if (paused || wait != null) {
			if (stillValid != null) {
				return stillValid; // due for replacement but still valid: replace it later
			}
			if (paused) {
				throw loginPaused(now, refusal);
			}
			throw new IAdvizeApiException.Unavailable(Api.GRAPHQL, RESOURCE,
					"iAdvize GraphQL login postponed: " + this.logins.size()
							+ " logins in the last minute already (relay.iadvize.graphql.max-logins-per-minute)",
					wait, null);
		}
		// No login once the call's time is up: it would run past it by the login's timeouts, and spend the budget.
		CallDeadline.check(Api.GRAPHQL, RESOURCE);
		this.logins.addLast(now);
		this.lastFailure = null; // the outcome of this login, not of an earlier one, is what waiting threads share
		try {
			Token fresh = login(now);
			this.token = fresh;
			logger.info("Logged in to the iAdvize GraphQL API; the access token expires at {}", fresh.expiresAt());
			return fresh;
		}
		catch (IAdvizeApiException ex) {
			this.lastFailure = ex;
			if (ex instanceof IAdvizeApiException.AuthenticationFailed) {
				this.refusedUntil = now.plus(REFUSED_LOGIN_PAUSE);
				logger.warn("iAdvize refused the GraphQL login; the next attempt waits until {}: {}",
						this.refusedUntil, ex.getMessage());
			}
			if (stillValid != null) {
				// Due for replacement, but still valid: better than failing the call.
				logger.warn("Could not renew the iAdvize GraphQL access token (kept until it expires at {}{}): {}",
						stillValid.expiresAt(), stillValid.refused() ? ", for the calls it was not refused to" : "",
						ex.getMessage());
				return stillValid;
			}
			throw ex;
		}
		finally {
			this.loginsEnded++; // however the login ended
		}
	}

	/** The transient failure of a login another thread made while this one waited: the same kind, told as such. */
	private static IAdvizeApiException waitedFor(IAdvizeApiException failure) {
		String message = "the iAdvize GraphQL login this call waited for failed: " + failure.getMessage();
		Duration retryAfter = failure.retryAfter().orElse(null);
		if (failure instanceof IAdvizeApiException.RateLimited) {
			return new IAdvizeApiException.RateLimited(Api.GRAPHQL, RESOURCE, message, retryAfter);
		}
		return new IAdvizeApiException.Unavailable(Api.GRAPHQL, RESOURCE, message, retryAfter, failure.getCause());
	}

	/**
	 * A call that needs a login during the pause after a refused one. Retryable, after the pause: only the call
	 * whose own login iAdvize refused fails for good, so that one refusal (a transient one included) does not make
	 * every delivery of the next ten minutes dead; with a wrong password, one call per pause fails for good and the
	 * others wait for the fix.
	 */
	private IAdvizeApiException loginPaused(Instant now, IAdvizeApiException refusal) {
		return new IAdvizeApiException.Unavailable(Api.GRAPHQL, RESOURCE,
				"iAdvize GraphQL login paused until " + this.refusedUntil + " after a refused one: "
						+ refusal.getMessage(),
				Duration.between(now, this.refusedUntil), null);
	}

	private @Nullable Duration loginBudgetWait(Instant now) {
		while (!this.logins.isEmpty() && !this.logins.peekFirst().plus(MINUTE).isAfter(now)) {
			this.logins.removeFirst();
		}
		if (this.logins.size() < this.settings.maxLoginsPerMinute()) {
			return null;
		}
		return Duration.between(now, this.logins.peekFirst().plus(MINUTE));
	}

	private Token login(Instant now) {
		// Streamed as bytes rather than through a message converter: RestClient logs converted bodies at DEBUG,
		// and this one holds the password.
		byte[] form = ("grant_type=password&username=" + encode(this.settings.username()) + "&password="
				+ encode(this.settings.password())).getBytes(StandardCharsets.UTF_8);
		return this.metrics.record(Api.GRAPHQL, RESOURCE, () -> {
			try {
				return this.client.post()
					.uri(this.settings.tokenUrl())
					.contentType(MediaType.APPLICATION_FORM_URLENCODED)
					.accept(MediaType.APPLICATION_JSON)
					.contentLength(form.length)
					.body((StreamingHttpOutputMessage.Body) (output) -> output.write(form))
					.exchange((request, response) -> read(now, response.getStatusCode(), response.getHeaders(),
							StreamUtils.copyToByteArray(response.getBody())));
			}
			catch (ResourceAccessException ex) {
				throw this.failures.fromIo(Api.GRAPHQL, RESOURCE, ex);
			}
			catch (RestClientException ex) {
				throw this.failures.fromIo(Api.GRAPHQL, RESOURCE, ex);
			}
		});
	}

	private Token read(Instant now, HttpStatusCode status, HttpHeaders headers, byte[] body) {
		JsonNode answer = parse(body);
		if (!status.is2xxSuccessful()) {
			// Only the OAuth error code is repeated (invalid_grant...): the description could quote the request.
			String error = (answer != null) ? Json.text(answer, "error") : null;
			boolean fromIAdvize = Failures.isErrorAnswer(answer);
			// A 403 is a refusal only in iAdvize's words: a firewall's or a CDN's page is retried (Unavailable), not
			// counted as a refused login that fails the call for good and pauses the logins.
			if (status.value() == 400 || status.value() == 401 || (status.value() == 403 && fromIAdvize)) {
				throw refused(status, error);
			}
			throw this.failures.fromStatus(Api.GRAPHQL, RESOURCE, status, headers, error, fromIAdvize);
		}
		String value = (answer != null) ? Json.text(answer, "access_token") : null;
		if (value == null) {
			// Never quote this body: it may hold a token.
			throw this.failures.unreadable(Api.GRAPHQL, RESOURCE, status.value());
		}
		this.secrets.addToken(value);
		Long seconds = Json.number(answer, "expires_in");
		Duration lifetime = (seconds != null && seconds > 0) ? Duration.ofSeconds(seconds) : DEFAULT_LIFETIME;
		Duration margin = this.settings.tokenRefreshMargin();
		Duration untilRefresh = (lifetime.compareTo(margin) > 0) ? lifetime.minus(margin) : lifetime.dividedBy(2);
		return new Token(value, now.plus(untilRefresh), now.plus(lifetime), false);
	}

	private IAdvizeApiException refused(HttpStatusCode status, @Nullable String error) {
		return new IAdvizeApiException.AuthenticationFailed(Api.GRAPHQL, RESOURCE,
				"iAdvize refused the GraphQL login with HTTP " + status.value() + this.failures.detail(error)
						+ " (check relay.iadvize.graphql.username and relay.iadvize.graphql.password)");
	}

	private @Nullable JsonNode parse(byte[] body) {
		try {
			JsonNode node = (body.length > 0) ? this.json.readTree(body) : null;
			return (node != null && node.isObject()) ? node : null;
		}
		catch (JacksonException ex) {
			return null;
		}
	}

	private static String encode(@Nullable String value) {
		return URLEncoder.encode((value != null) ? value : "", StandardCharsets.UTF_8);
	}

	/**
	 * A token, when to replace it, when it stops working, and whether the API refused it. Told apart by identity
	 * ({@code ==}), never by {@code equals}: a login that happens to return the same value is another token. Its
	 * toString never shows the value.
	 */
	record Token(String value, Instant refreshAt, Instant expiresAt, boolean refused) {

		/** Whether to send it without a word: not refused, and not yet due for replacement. */
		boolean usableAt(Instant now) {
			return !this.refused && now.isBefore(this.refreshAt);
		}

		/** The same token, refused: replaced at the next chance, used by other calls until then while it is valid. */
		Token asRefused() {
			return new Token(this.value, this.refreshAt, this.expiresAt, true);
		}

		@Override
		public String toString() {
			return "Token[value=<hidden>, refreshAt=" + this.refreshAt + ", expiresAt=" + this.expiresAt + ", refused="
					+ this.refused + "]";
		}

	}

}
