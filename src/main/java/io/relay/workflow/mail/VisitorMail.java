package io.relay.workflow.mail;

import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.relay.dispatch.Delivery;
import io.relay.dispatch.HandlerResult;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.IAdvizeCredentials;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.iadvize.Transcript;
import io.relay.iadvize.Visitor;
import io.relay.workflow.outbound.IAdvizeFailures;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import io.relay.system.StartupRefusal;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * Sends one email per (workflow, conversation), however often the close event is delivered, replayed or repeated.
 * <p>
 * {@link #sendOnce} first reads the ledger (a conversation already emailed is skipped without calling iAdvize),
 * then lets the workflow compose its letter, renders the templates, claims the ledger row ({@code SENDING}),
 * hands the message to the SMTP server and records the answer ({@code SENT}; {@code FAILED} when nothing went out;
 * {@code UNCONFIRMED} when the connection broke while the message was being handed over). A row found
 * {@code SENDING} for longer than {@code relay.mail.sending-timeout} belongs to an attempt that died between the
 * two writes: SMTP has no idempotency, so Relay cannot know whether that email went out, and it does not send it
 * again. The delivery fails permanently instead, for an operator to check (every message carries a Message-ID
 * derived from the workflow and conversation, to search the SMTP server's log for).
 */
public final class VisitorMail {

	private static final Logger logger = LoggerFactory.getLogger(VisitorMail.class);

	/** A healthy SMTP server takes well under a second per email: a longer wait means a slow one. */
	static final Duration SLOT_WAIT = Duration.ofSeconds(10);

	/** When a delivery that found no slot tries again. */
	static final Duration NO_SLOT_RETRY = Duration.ofSeconds(30);

	private final IAdvizeEnrichment iadvize;

	private final ObjectProvider<JavaMailSender> senders;

	private final MailTemplates templates;

	private final SentMails ledger;

	private final MailProperties properties;

	private final Clock clock;

	private final MeterRegistry registry;

	/** Slots for emails being handed to the SMTP server ({@code relay.mail.max-concurrent-sends}). */
	private final Semaphore sends;

	/** How long a delivery waits for a slot before it gives its worker back and retries later. */
	private final Duration slotWait;

	VisitorMail(IAdvizeEnrichment iadvize, ObjectProvider<JavaMailSender> senders, MailTemplates templates,
			SentMails ledger, MailProperties properties, Clock clock, MeterRegistry registry) {
		this(iadvize, senders, templates, ledger, properties, clock, registry, SLOT_WAIT);
	}

	VisitorMail(IAdvizeEnrichment iadvize, ObjectProvider<JavaMailSender> senders, MailTemplates templates,
			SentMails ledger, MailProperties properties, Clock clock, MeterRegistry registry, Duration slotWait) {
		this.sends = new Semaphore(properties.maxConcurrentSends(), true);
		this.slotWait = slotWait;
		this.iadvize = iadvize;
		this.senders = senders;
		this.templates = templates;
		this.ledger = ledger;
		this.properties = properties;
		this.clock = clock;
		this.registry = registry;
	}

	/** Builds the letter of one conversation, or throws a {@link Stop} (or an {@link IAdvizeApiException}). */
	@FunctionalInterface
	public interface Composer {

		Letter compose(ClosedConversation conversation) throws Exception;

	}

	/**
	 * Stops startup unless the workflow can send: an SMTP server configured ({@code spring.mail.host}), and every
	 * template in every language it uses. Says when it could not serve the deprecated {@code conversation.closed}.
	 */
	public void requireReady(EmailSettings settings, IAdvizeCredentials credentials) {
		if (!credentials.hasRestApi()) {
			// Not a refusal, nor a warning at every start: most accounts send v2.conversation.closed only, which
			// GraphQL serves.
			logger.info("Workflow '{}': relay.iadvize.rest.api-key is not set, so deliveries of the deprecated "
					+ "conversation.closed will end DEAD (its numeric visitor and conversation ids are known to the REST "
					+ "API only); v2.conversation.closed works without it", settings.workflow());
		}
		if (this.senders.getIfAvailable() == null) {
			throw new StartupRefusal("Workflow '" + settings.workflow() + "' is enabled and sends email, but "
					+ "spring.mail.host is not set (environment: SPRING_MAIL_HOST).", "Set the SMTP server "
					+ "(spring.mail.host, spring.mail.port, spring.mail.username, spring.mail.password), or disable "
					+ "the workflow (relay.workflows." + settings.workflow() + ".enabled=false).");
		}
		this.templates.check(settings.workflow(), settings.allLanguages(),
				"relay.workflows." + settings.workflow() + ".language and .languages");
	}

	/**
	 * Sends the workflow's email about the delivery's closed conversation, at most once.
	 * @return the delivery's result: success once the SMTP server accepted the message; skipped when it was sent
	 * before, or the composer skipped; retry when iAdvize or the SMTP server could not answer; permanent failure when
	 * the server refused the address for good, or the outcome of an earlier attempt is unknown
	 */
	public HandlerResult sendOnce(Delivery<?> delivery, EmailSettings settings, Composer composer) throws Exception {
		ClosedConversation conversation = ClosedConversation.of(delivery.event());
		String workflow = settings.workflow();
		try {
			Optional<SentMails.Row> existing = this.ledger.find(workflow, conversation.conversationId());
			if (existing.isPresent()) {
				HandlerResult earlier = decide(existing.get());
				if (earlier != null) {
					return earlier;
				}
			}
			// The visitor, the transcript, the operator...: one relay.iadvize.delivery-timeout for all, within the lease.
			Letter letter = this.iadvize.together(() -> composer.compose(conversation));
			String language = settings.languageFor(conversation.projectId());
			Map<String, Object> model = new LinkedHashMap<>();
			model.put("firstName", blankToNull(letter.to().visitor().firstName()));
			model.put("lastName", blankToNull(letter.to().visitor().lastName()));
			model.put("conversationId", conversation.conversationId());
			model.put("projectId", conversation.projectId());
			model.putAll(letter.model());
			MailTemplates.Rendered rendered = this.templates.render(workflow, language, model);
			String subject = (settings.subject() != null) ? settings.subject() : rendered.subject();
			String messageId = messageId(workflow, conversation.conversationId(), settings.from());

			if (!this.sends.tryAcquire(this.slotWait.toMillis(), TimeUnit.MILLISECONDS)) {
				count(workflow, "postponed");
				return HandlerResult.retryAfter(this.properties.maxConcurrentSends() + " emails were already being "
						+ "handed to the SMTP server for " + this.slotWait.toSeconds() + " s (relay.mail."
						+ "max-concurrent-sends): the server is slow", NO_SLOT_RETRY);
			}
			try {
				Optional<SentMails.Row> claimed = this.ledger.claim(workflow, conversation.conversationId(),
						delivery.idempotencyKey(), messageId, this.clock.instant());
				if (claimed.isEmpty()) {
					HandlerResult other = this.ledger.find(workflow, conversation.conversationId())
						.map(this::decide)
						.orElse(null);
					return (other != null) ? other : HandlerResult.retry("the email's ledger row changed meanwhile");
				}
				return send(claimed.get(), letter, settings, subject, rendered, messageId);
			}
			finally {
				this.sends.release();
			}
		}
		catch (Stop stop) {
			return stop.result();
		}
		catch (IAdvizeApiException ex) {
			return failure(ex);
		}
	}

	/**
	 * The visitor of the conversation as a recipient: a {@link Stop} skips the delivery when iAdvize knows no
	 * visitor or no valid address, or the address is opted out.
	 */
	public Recipient recipient(ClosedConversation conversation, EmailSettings settings) {
		Visitor visitor = this.iadvize.visitor(conversation.event());
		if (!visitor.hasEmail()) {
			throw Stop.skip("visitor has no email address");
		}
		String address;
		try {
			InternetAddress parsed = new InternetAddress(visitor.email().strip(), true);
			parsed.validate();
			if (parsed.isGroup() || parsed.getPersonal() != null) {
				// "Jane <jane@example.com>" or a comment: only a bare address is matched against the opt-out list
				// and scrubbed from SMTP replies; taken whole, both would miss it.
				throw Stop.skip("visitor's email address is not a plain address");
			}
			address = parsed.getAddress();
		}
		catch (AddressException ex) {
			throw Stop.skip("visitor's email address is not a valid address");
		}
		if (new OptOut(this.properties.optOut()).with(settings.optOut()).excludes(address)) {
			throw Stop.skip("recipient opted out (relay.mail.opt-out or relay.workflows." + settings.workflow()
					+ ".opt-out)");
		}
		return new Recipient(address, visitor);
	}

	/**
	 * Skips the delivery when {@code settings} ask for visitor messages and the transcript has fewer; a conversation
	 * iAdvize does not know does not stop the email, any other failure to read the transcript is thrown (see
	 * {@link #transcriptIfKnown}).
	 */
	public void requireVisitorMessagesWhenKnown(ClosedConversation conversation, EmailSettings settings) {
		if (settings.minVisitorMessages() > 0) {
			Transcript transcript = transcriptIfKnown(conversation);
			if (transcript != null) {
				requireVisitorMessages(transcript, settings);
			}
		}
	}

	/**
	 * The conversation's transcript, or null when iAdvize does not know the conversation: then filters on it do not
	 * apply. Any other failure is thrown: a transient one to retry; a permanent one (refused credentials, a wrong
	 * URL, an answer over the size limit) fails the delivery for good, to be fixed and replayed, rather than send
	 * an email the filter would have held back.
	 */
	private @Nullable Transcript transcriptIfKnown(ClosedConversation conversation) {
		try {
			return this.iadvize.transcript(conversation.event());
		}
		catch (IAdvizeApiException ex) {
			if (!(ex instanceof IAdvizeApiException.NotFound)) {
				throw ex;
			}
			logger.info("Transcript of conversation {} unknown ({}): its filters do not apply",
					conversation.conversationId(), ex.getMessage());
			return null;
		}
	}

	/** Skips the delivery when the transcript has fewer visitor messages than {@code settings} ask for. */
	public static void requireVisitorMessages(Transcript transcript, EmailSettings settings) {
		long count = transcript.messages().stream()
			.filter((message) -> message.author() == Transcript.Author.VISITOR)
			.count();
		if (count < settings.minVisitorMessages()) {
			throw Stop.skip("the visitor wrote " + count + " message(s), fewer than relay.workflows."
					+ settings.workflow() + ".min-visitor-messages (" + settings.minVisitorMessages() + ")");
		}
	}

	/** What an {@link IAdvizeApiException} means for a delivery: skipped when not found, else as in any workflow. */
	public static HandlerResult failure(IAdvizeApiException ex) {
		if (ex instanceof IAdvizeApiException.NotFound) {
			return HandlerResult.skipped(ex.resource() + " not found");
		}
		return IAdvizeFailures.toResult(ex);
	}

	private @Nullable HandlerResult decide(SentMails.Row row) {
		return switch (row.status()) {
			case FAILED -> null;
			case SENT -> HandlerResult.skipped("already sent for this conversation at " + row.sentAt()
					+ " (delivery " + row.idempotencyKey() + ")");
			case UNCONFIRMED -> HandlerResult.permanentFailure(unconfirmed(row, row.lastError()));
			case SENDING -> {
				Instant now = this.clock.instant();
				Duration age = Duration.between(row.updatedAt(), now);
				Duration timeout = this.properties.sendingTimeout();
				if (age.compareTo(timeout) < 0) {
					Duration left = timeout.minus(age);
					yield HandlerResult.retryAfter("another attempt has been sending this email since "
							+ row.updatedAt() + " (delivery " + row.idempotencyKey() + ")",
							(left.compareTo(Duration.ofSeconds(1)) < 0) ? Duration.ofSeconds(1) : left);
				}
				String reason = "the attempt sending it since " + row.updatedAt()
						+ " stopped before recording the SMTP server's answer";
				if (!this.ledger.unconfirmed(row, reason, now, row.updatedAt())) {
					yield HandlerResult.retry("the email's ledger row changed meanwhile");
				}
				count(row.workflow(), "unconfirmed");
				yield HandlerResult.permanentFailure(unconfirmed(row, reason));
			}
		};
	}

	private static String unconfirmed(SentMails.Row row, @Nullable String why) {
		return "the email for this conversation may have been sent (" + why + "); it is not sent again: check the "
				+ "SMTP server's log for Message-ID " + row.messageId() + " (see docs/mail.md, 'Never twice')";
	}

	private HandlerResult send(SentMails.Row row, Letter letter, EmailSettings settings, String subject,
			MailTemplates.Rendered rendered, String messageId) {
		Recipient to = letter.to();
		MimeMessage message;
		JavaMailSender sender;
		try {
			sender = this.senders.getObject();
			message = sender.createMimeMessage();
			build(message, to, settings, subject, rendered, messageId);
		}
		catch (MessagingException ex) {
			String reason = "the message could not be built: " + scrub(ex.getMessage(), to);
			this.ledger.failed(row, reason, this.clock.instant());
			count(settings.workflow(), "invalid");
			return HandlerResult.permanentFailure(reason);
		}
		catch (RuntimeException ex) {
			// Nothing left Relay: give the row back, or it would read as an unconfirmed send in a few minutes.
			this.ledger.failed(row, "the message could not be built: " + ex.getClass().getSimpleName(),
					this.clock.instant());
			throw ex;
		}
		try {
			sender.send(message);
		}
		catch (MailException ex) {
			SmtpFailure failure = SmtpFailure.of(ex);
			String reason = scrub(failure.description(), to);
			switch (failure.kind()) {
				case SENT -> logger.info("Email {} sent, but closing the SMTP connection failed: {}", messageId, reason);
				case NOT_SENT_RETRYABLE -> {
					this.ledger.failed(row, reason, this.clock.instant());
					count(settings.workflow(), "retry");
					return HandlerResult.retry(reason);
				}
				case NOT_SENT_PERMANENT -> {
					this.ledger.failed(row, reason, this.clock.instant());
					count(settings.workflow(), "rejected");
					return HandlerResult.permanentFailure(reason);
				}
				case UNKNOWN -> {
					this.ledger.unconfirmed(row, reason, this.clock.instant(), null);
					count(settings.workflow(), "unconfirmed");
					return HandlerResult.permanentFailure(unconfirmed(row, reason));
				}
			}
		}
		if (!this.ledger.sent(row, this.clock.instant())) {
			logger.warn("Email {} was sent, but its ledger row was no longer SENDING (the attempt took longer than "
					+ "relay.mail.sending-timeout)", messageId);
		}
		count(settings.workflow(), "sent");
		try {
			letter.afterSent().run();
		}
		catch (RuntimeException ex) {
			// The email went out: the delivery succeeded, whatever the workflow failed to record after it.
			logger.warn("Email {} was sent, but workflow '{}' could not record it: {}", messageId, settings.workflow(),
					scrub(ex.getMessage(), to));
		}
		return HandlerResult.success();
	}

	private static void build(MimeMessage message, Recipient to, EmailSettings settings, String subject,
			MailTemplates.Rendered rendered, String messageId) throws MessagingException {
		message.setFrom(utf8(settings.from()));
		if (settings.replyTo() != null) {
			message.setReplyTo(new InternetAddress[] { utf8(settings.replyTo()) });
		}
		message.setRecipient(Message.RecipientType.TO, new InternetAddress(to.address(), true));
		message.setSubject(MailTemplates.oneLine(subject), StandardCharsets.UTF_8.name());
		MimeBodyPart text = new MimeBodyPart();
		text.setText(rendered.text(), StandardCharsets.UTF_8.name(), "plain");
		MimeBodyPart html = new MimeBodyPart();
		html.setText(rendered.html(), StandardCharsets.UTF_8.name(), "html");
		MimeMultipart alternative = new MimeMultipart("alternative");
		alternative.addBodyPart(text);
		alternative.addBodyPart(html);
		message.setContent(alternative);
		// RFC 3834: an automatic message, so that auto-responders do not answer it.
		message.setHeader("Auto-Submitted", "auto-generated");
		message.setHeader("X-Relay-Workflow", settings.workflow());
		// Kept by JavaMailSenderImpl through saveChanges(): the same id on every attempt for this conversation.
		message.setHeader("Message-ID", messageId);
	}

	/**
	 * A configured address with its display name encoded for a header ({@code Société <shop@example.fr>} would
	 * otherwise go out as raw 8-bit bytes, which some servers refuse).
	 */
	private static InternetAddress utf8(String configured) throws MessagingException {
		InternetAddress parsed = new InternetAddress(configured, true);
		if (parsed.getPersonal() == null) {
			return parsed;
		}
		try {
			return new InternetAddress(parsed.getAddress(), parsed.getPersonal(), StandardCharsets.UTF_8.name());
		}
		catch (UnsupportedEncodingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * {@code <relay.<workflow>.<hash>@<sender's domain>>}: the same for every attempt at one conversation's email,
	 * so that a repeat can be recognised in the SMTP server's log (and by mail systems that drop duplicate ids).
	 */
	static String messageId(String workflow, String conversationId, String from) {
		String domain;
		try {
			String address = new InternetAddress(from, true).getAddress();
			domain = address.substring(address.lastIndexOf('@') + 1);
		}
		catch (AddressException ex) {
			domain = "relay.invalid";
		}
		try {
			byte[] hash = MessageDigest.getInstance("SHA-256")
				.digest((workflow + "\n" + conversationId).getBytes(StandardCharsets.UTF_8));
			return "<relay." + workflow + "." + HexFormat.of().formatHex(hash, 0, 16) + "@"
					+ domain.toLowerCase(Locale.ROOT) + ">";
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * SMTP replies often quote the recipient: an address is personal data, kept out of errors and logs, in whatever
	 * case the server wrote it (domains are case-insensitive, and servers lowercase or uppercase them).
	 */
	private static String scrub(@Nullable String text, Recipient to) {
		if (text == null) {
			return "unknown error";
		}
		return Pattern.compile(Pattern.quote(to.address()), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE)
			.matcher(text)
			.replaceAll("<recipient>");
	}

	private void count(String workflow, String outcome) {
		Counter.builder("relay.mail.emails")
			.description("Emails to visitors by workflow and outcome (sent, retry, rejected, unconfirmed, postponed, invalid)")
			.tag("workflow", workflow)
			.tag("outcome", outcome)
			.register(this.registry)
			.increment();
	}

	private static @Nullable String blankToNull(@Nullable String value) {
		return (value == null || value.isBlank()) ? null : value.strip();
	}

}
