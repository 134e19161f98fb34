package io.relay.workflow.mail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.dispatch.Delivery;
import io.relay.dispatch.HandlerResult;
import io.relay.event.Channel;
import io.relay.event.ConversationClosed;
import io.relay.event.IAdvizeEvent;
import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeApiException;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.iadvize.Operator;
import io.relay.iadvize.Satisfaction;
import io.relay.iadvize.Transaction;
import io.relay.iadvize.Transcript;
import io.relay.iadvize.Visitor;
import io.relay.support.MigratedDatabase;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/**
 * What {@link VisitorMail} makes of the SMTP server's answers, from real exchanges with a scripted server: the
 * delivery's result and the ledger row.
 */
class VisitorMailTests {

	private static final String ADDRESS = "jane.doe@example.net";

	private final JdbcTemplate jdbc = database();

	private final EmailSettings settings = new EmailSettings("survey", "shop@example.com", null, null, "en", Map.of(),
			EmailSettings.filter(null, null), 0, List.of());

	/**
	 * JavaMail's read timeout: long, since the scripted server's answers are what is tested, not how soon they come
	 * on a busy machine; short where a test waits for it.
	 */
	private Duration smtpReadTimeout = Duration.ofSeconds(10);

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void anAddressTheServerRefusesForGoodIsAPermanentFailureThatNamesNoAddress() throws Exception {
		// Quoted with its domain in capitals, as some servers write it.
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(Map.of("rcpt", "550 5.1.1 <jane.doe@EXAMPLE.NET>: "
				+ "Recipient address rejected: User unknown (" + ADDRESS + ")"))) {
			Delivery<IAdvizeEvent> delivery = delivery();
			HandlerResult result = mail(server.port()).sendOnce(delivery, this.settings, this::letter);

			assertThat(result).isInstanceOfSatisfying(HandlerResult.PermanentFailure.class,
					(failure) -> assertThat(failure.reason())
						.startsWith("the SMTP server refused the recipient's address for good")
						.contains("550 5.1.1 <<recipient>>: Recipient address rejected: User unknown (<recipient>)")
						.doesNotContainIgnoringCase(ADDRESS));
			assertThat(status(delivery)).isEqualTo("FAILED");
		}
	}

	@Test
	void aReplyToTheMessageIsRetriedAndNothingIsRecordedAsSent() throws Exception {
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(Map.of("data-end", "451 4.3.0 Try again later"))) {
			Delivery<IAdvizeEvent> delivery = delivery();
			HandlerResult result = mail(server.port()).sendOnce(delivery, this.settings, this::letter);
			assertThat(result).isInstanceOf(HandlerResult.Retry.class);
			assertThat(status(delivery)).isEqualTo("FAILED");
		}
	}

	@Test
	void aConnectionLostAfterTheMessageIsNeverTriedAgain() throws Exception {
		Delivery<IAdvizeEvent> delivery = delivery();
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(Map.of("data-end", ScriptedSmtpServer.DROP))) {
			HandlerResult result = mail(server.port()).sendOnce(delivery, this.settings, this::letter);
			assertThat(result).isInstanceOfSatisfying(HandlerResult.PermanentFailure.class,
					(failure) -> assertThat(failure.reason()).startsWith("the email for this conversation may have been sent"));
			assertThat(status(delivery)).isEqualTo("UNCONFIRMED");
		}
		try (ScriptedSmtpServer healthy = new ScriptedSmtpServer(Map.of())) {
			HandlerResult again = mail(healthy.port()).sendOnce(delivery, this.settings, (conversation) -> {
				throw new AssertionError("an unconfirmed email must not be composed again");
			});
			assertThat(again).isInstanceOf(HandlerResult.PermanentFailure.class);
		}
	}

	@Test
	void anAttemptThatIsStillSendingMakesOthersWaitUntilTheSendingTimeout() throws Exception {
		Delivery<IAdvizeEvent> delivery = delivery();
		String conversation = delivery.event().conversationId();
		Instant claimed = Instant.now().minus(Duration.ofMinutes(3));
		this.jdbc.update("insert into workflow_mail (workflow, conversation_id, idempotency_key, status, message_id, "
				+ "attempts, created_at, updated_at) values ('survey', ?, 'other:survey', 'SENDING', '<m@example.com>', 1, "
				+ "?, ?)", conversation, java.sql.Timestamp.from(claimed), java.sql.Timestamp.from(claimed));
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(Map.of())) {
			HandlerResult result = mail(server.port()).sendOnce(delivery, this.settings, this::letter);
			assertThat(result).isInstanceOfSatisfying(HandlerResult.Retry.class, (retry) -> {
				assertThat(retry.reason()).startsWith("another attempt has been sending this email since");
				assertThat(retry.after()).isBetween(Duration.ofMinutes(6), Duration.ofMinutes(7));
			});
			assertThat(status(delivery)).isEqualTo("SENDING");
		}
	}

	@Test
	void anAddressWithADisplayNameIsSkippedNotCheckedWholeAgainstTheOptOutList() {
		// Taken whole, "Jane <jane@example.com>" matched no opt-out entry (its domain read as "example.com>").
		VisitorMail mail = mail(1, "Jane <jane@example.com>", List.of("jane@example.com"));
		ClosedConversation conversation = ClosedConversation.of(delivery().event());
		assertThat(catchThrowableOfType(Stop.class, () -> mail.recipient(conversation, this.settings)).result())
			.isEqualTo(HandlerResult.skipped("visitor's email address is not a plain address"));
		assertThat(catchThrowableOfType(Stop.class,
				() -> mail(1, " Jane@Example.com ", List.of("jane@example.com")).recipient(conversation, this.settings))
			.result()).isEqualTo(HandlerResult.skipped("recipient opted out (relay.mail.opt-out or "
					+ "relay.workflows.survey.opt-out)"));
		assertThat(mail(1, " jane@example.com ", List.of()).recipient(conversation, this.settings).address())
			.isEqualTo("jane@example.com");
	}

	@Test
	void aTranscriptThatCannotBeReadFailsTheDeliveryRatherThanLiftTheFilter() throws Exception {
		EmailSettings filtered = new EmailSettings("survey", "shop@example.com", null, null, "en", Map.of(),
				EmailSettings.filter(null, null), 1, List.of());
		VisitorMail refused = mail(new NoEnrichment(null, new IAdvizeApiException.AuthenticationFailed(Api.GRAPHQL,
				"token", "iAdvize refused the GraphQL login with HTTP 400 (invalid_grant)")));
		HandlerResult result = refused.sendOnce(delivery(), filtered, (conversation) -> {
			refused.requireVisitorMessagesWhenKnown(conversation, filtered);
			return letter(conversation);
		});
		assertThat(result).isInstanceOfSatisfying(HandlerResult.PermanentFailure.class,
				(failure) -> assertThat(failure.reason()).contains("invalid_grant"));
		// So is a transcript that cannot be read for another reason (a wrong URL, a schema change, its size).
		VisitorMail rejected = mail(new NoEnrichment(null, new IAdvizeApiException.Rejected(Api.GRAPHQL,
				"conversation", "iAdvize GraphQL conversation answered HTTP 404, not an answer of iAdvize's API")));
		ClosedConversation closed = ClosedConversation.of(delivery().event());
		assertThatExceptionOfType(IAdvizeApiException.Rejected.class)
			.isThrownBy(() -> rejected.requireVisitorMessagesWhenKnown(closed, filtered));

		// An unknown conversation has no transcript to filter on: the filter does not apply.
		VisitorMail unknown = mail(new NoEnrichment(null, new IAdvizeApiException.NotFound(Api.GRAPHQL,
				"conversation", "iAdvize GraphQL conversation not found")));
		ClosedConversation conversation = ClosedConversation.of(delivery().event());
		assertThatNoException().isThrownBy(() -> unknown.requireVisitorMessagesWhenKnown(conversation, filtered));
	}

	@Test
	void theLetterIsComposedWithinOneDeliveryTimeoutForAllItsLookups() throws Exception {
		NoEnrichment iadvize = new NoEnrichment(ADDRESS, null);
		AtomicBoolean composedTogether = new AtomicBoolean();
		HandlerResult result = mail(iadvize).sendOnce(delivery(), this.settings, (conversation) -> {
			composedTogether.set(iadvize.together);
			throw new IAdvizeApiException.Unavailable(Api.REST, "operator", "iAdvize REST operator answered HTTP 503",
					null, null);
		});
		assertThat(composedTogether).as("composed inside IAdvizeEnrichment.together").isTrue();
		assertThat(iadvize.together).isFalse();
		assertThat(result).isInstanceOf(HandlerResult.Retry.class);
	}

	@Test
	void aSenderNameOutsideAsciiIsEncodedInTheHeader() throws Exception {
		EmailSettings french = new EmailSettings("survey", "Société Générale <shop@example.fr>",
				"Service Clientèle <help@example.fr>", null, "en", Map.of(), EmailSettings.filter(null, null), 0,
				List.of());
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(Map.of())) {
			HandlerResult result = mail(server.port()).sendOnce(delivery(), french, this::letter);
			assertThat(result).isEqualTo(HandlerResult.success());
			assertThat(server.received()).filteredOn((line) -> line.startsWith("From: "))
				.singleElement()
				.satisfies((from) -> assertThat(from).startsWith("From: =?UTF-8?").endsWith("<shop@example.fr>"));
			assertThat(server.received()).filteredOn((line) -> line.startsWith("Reply-To: "))
				.singleElement()
				.satisfies((replyTo) -> assertThat(replyTo).startsWith("Reply-To: =?UTF-8?"));
		}
	}

	@Test
	void aSlowSmtpServerHoldsAtMostMaxConcurrentSendsWorkers() throws Exception {
		try (ScriptedSmtpServer stuck = new ScriptedSmtpServer(Map.of("greeting", ScriptedSmtpServer.HOLD));
				ExecutorService worker = Executors.newSingleThreadExecutor()) {
			this.smtpReadTimeout = Duration.ofSeconds(5); // the first send ends at it
			VisitorMail mail = mail(stuck.port(), null, List.of(), 1, Duration.ofMillis(200));
			Future<HandlerResult> first = worker.submit(() -> mail.sendOnce(delivery(), this.settings, this::letter));
			await().until(() -> this.jdbc.queryForObject("select count(*) from workflow_mail where status = 'SENDING'",
					Integer.class) > 0);

			// The one slot is taken by the first, stuck at the greeting: the second gives its worker back.
			Delivery<IAdvizeEvent> second = delivery();
			HandlerResult result = mail.sendOnce(second, this.settings, this::letter);
			assertThat(result).isInstanceOfSatisfying(HandlerResult.Retry.class, (retry) -> {
				assertThat(retry.reason()).contains("relay.mail.max-concurrent-sends");
				assertThat(retry.after()).isEqualTo(VisitorMail.NO_SLOT_RETRY);
			});
			assertThat(this.jdbc.queryForObject("select count(*) from workflow_mail where conversation_id = ?",
					Integer.class, second.event().conversationId())).isZero();
			assertThat(first.get(10, TimeUnit.SECONDS)).isInstanceOf(HandlerResult.Retry.class);
		}
	}

	@Test
	void aFirstNameThatReadsAsABooleanIsStillPrintedAsIs() throws Exception {
		// Thymeleaf takes the strings "no", "off" and "false" as false in a condition on the value itself.
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(Map.of())) {
			HandlerResult result = mail(server.port()).sendOnce(delivery(), this.settings,
					(conversation) -> new Letter(new Recipient(ADDRESS, new Visitor(Api.REST, "42", null, "No", null,
							ADDRESS, null, null, null, null, null)), Map.of("surveyUrl", "https://survey.example.com/")));
			assertThat(result).isEqualTo(HandlerResult.success());
			assertThat(server.received()).contains("Hello No,");
		}
	}

	@Test
	void whatTheWorkflowRecordsAfterTheSendRunsOnlyOnceTheServerTookTheEmail() throws Exception {
		AtomicInteger recorded = new AtomicInteger();
		VisitorMail.Composer counting = (conversation) -> new Letter(letter(conversation).to(), letter(conversation).model(),
				recorded::incrementAndGet);
		try (ScriptedSmtpServer refusing = new ScriptedSmtpServer(Map.of("data-end", "451 4.3.0 Try again later"))) {
			assertThat(mail(refusing.port()).sendOnce(delivery(), this.settings, counting))
				.isInstanceOf(HandlerResult.Retry.class);
		}
		try (ScriptedSmtpServer dropping = new ScriptedSmtpServer(Map.of("data-end", ScriptedSmtpServer.DROP))) {
			assertThat(mail(dropping.port()).sendOnce(delivery(), this.settings, counting))
				.isInstanceOf(HandlerResult.PermanentFailure.class);
		}
		assertThat(recorded).hasValue(0);
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(Map.of())) {
			assertThat(mail(server.port()).sendOnce(delivery(), this.settings, counting))
				.isEqualTo(HandlerResult.success());
			assertThat(recorded).hasValue(1);

			// The email went out: a record that fails is logged, and the delivery succeeds all the same.
			assertThat(mail(server.port()).sendOnce(delivery(), this.settings,
					(conversation) -> new Letter(letter(conversation).to(), letter(conversation).model(), () -> {
						throw new IllegalStateException("database down");
					})))
				.isEqualTo(HandlerResult.success());
		}
	}

	@Test
	void aMessageThatCannotBeBuiltIsAPermanentFailureCountedAsInvalid() throws Exception {
		Delivery<IAdvizeEvent> delivery = delivery();
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(Map.of())) {
			HandlerResult result = mail(server.port()).sendOnce(delivery, this.settings,
					(conversation) -> new Letter(new Recipient("jane doe@", letter(conversation).to().visitor()),
							letter(conversation).model()));
			assertThat(result).isInstanceOfSatisfying(HandlerResult.PermanentFailure.class,
					(failure) -> assertThat(failure.reason()).startsWith("the message could not be built"));
		}
		assertThat(status(delivery)).isEqualTo("FAILED");
		assertThat(this.registry.get("relay.mail.emails").tags("workflow", "survey", "outcome", "invalid").counter()
			.count()).isEqualTo(1);
	}

	private Letter letter(ClosedConversation conversation) {
		return new Letter(new Recipient(ADDRESS, new Visitor(Api.REST, "42", null, "Jane", null, ADDRESS, null, null,
				null, null, null)), Map.of("surveyUrl", "https://survey.example.com/"));
	}

	private String status(Delivery<IAdvizeEvent> delivery) {
		return this.jdbc.queryForObject("select status from workflow_mail where conversation_id = ?", String.class,
				delivery.event().conversationId());
	}

	private VisitorMail mail(int port) {
		return mail(port, null, List.of());
	}

	private VisitorMail mail(int port, @Nullable String visitorEmail, List<String> optOut) {
		return mail(port, visitorEmail, optOut, 4, VisitorMail.SLOT_WAIT);
	}

	private VisitorMail mail(IAdvizeEnrichment iadvize) {
		return mailOn(1, iadvize, List.of(), 4, VisitorMail.SLOT_WAIT);
	}

	private VisitorMail mail(int port, @Nullable String visitorEmail, List<String> optOut, int maxConcurrentSends,
			Duration slotWait) {
		return mailOn(port, new NoEnrichment(visitorEmail, null), optOut, maxConcurrentSends, slotWait);
	}

	private VisitorMail mailOn(int port, IAdvizeEnrichment iadvize, List<String> optOut, int maxConcurrentSends,
			Duration slotWait) {
		JavaMailSenderImpl sender = new JavaMailSenderImpl();
		sender.setHost("127.0.0.1");
		sender.setPort(port);
		Properties properties = new Properties();
		properties.setProperty("mail.smtp.connectiontimeout", "10000");
		properties.setProperty("mail.smtp.timeout", String.valueOf(this.smtpReadTimeout.toMillis()));
		sender.setJavaMailProperties(properties);
		StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("sender", sender));
		return new VisitorMail(iadvize, beans.getBeanProvider(JavaMailSender.class),
				new MailTemplates(null), new SentMails(this.jdbc),
				new MailProperties(null, optOut, Duration.ofMinutes(10), maxConcurrentSends), Clock.systemUTC(),
				this.registry, slotWait);
	}

	private static Delivery<IAdvizeEvent> delivery() {
		String eventId = UUID.randomUUID().toString();
		ConversationClosed event = new ConversationClosed(eventId, Platform.HA, 1549L, 335L,
				UUID.randomUUID().toString(), List.of(15253L), "42", Channel.CHAT, null,
				OffsetDateTime.parse("2026-11-25T10:00:00Z"), null);
		return new Delivery<>(1L, eventId + ":survey", event, 1, Instant.now());
	}

	private static JdbcTemplate database() {
		return new JdbcTemplate(MigratedDatabase.h2("visitor-mail"));
	}

	/** The letters here name their recipient themselves: iAdvize is asked at most for a visitor given here. */
	private static final class NoEnrichment implements IAdvizeEnrichment {

		private final @Nullable String visitorEmail;

		private final @Nullable IAdvizeApiException transcriptFailure;

		/** Whether {@link #together} is running. */
		volatile boolean together;

		NoEnrichment(@Nullable String visitorEmail, @Nullable IAdvizeApiException transcriptFailure) {
			this.visitorEmail = visitorEmail;
			this.transcriptFailure = transcriptFailure;
		}

		@Override
		public Visitor visitor(IAdvizeEvent event) {
			if (this.visitorEmail == null) {
				throw new UnsupportedOperationException();
			}
			return new Visitor(Api.REST, "42", null, "Jane", null, this.visitorEmail, null, null, null, null, null);
		}

		@Override
		public Transcript transcript(IAdvizeEvent event) {
			if (this.transcriptFailure != null) {
				throw this.transcriptFailure;
			}
			throw new UnsupportedOperationException();
		}

		@Override
		public Operator operator(Platform platform, long operatorId) {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<Transaction> transactions(Platform platform, long conversationId) {
			throw new UnsupportedOperationException();
		}

		@Override
		public List<Satisfaction> satisfactions(Platform platform, long conversationId) {
			throw new UnsupportedOperationException();
		}

		@Override
		public <T, X extends Exception> T together(Calls<T, X> calls) throws X {
			this.together = true;
			try {
				return calls.run();
			}
			finally {
				this.together = false;
			}
		}

	}

}
