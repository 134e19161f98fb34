package io.relay.workflow.mail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.dispatch.Delivery;
import io.relay.dispatch.HandlerResult;
import io.relay.event.Channel;
import io.relay.event.ConversationClosed;
import io.relay.event.IAdvizeEvent;
import io.relay.event.Platform;
import io.relay.iadvize.Api;
import io.relay.iadvize.IAdvizeEnrichment;
import io.relay.iadvize.Operator;
import io.relay.iadvize.Satisfaction;
import io.relay.iadvize.Transaction;
import io.relay.iadvize.Transcript;
import io.relay.iadvize.Visitor;
import io.relay.support.MigratedDatabase;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.JavaMailSenderImpl;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link VisitorMail} makes of the SMTP server's answers, from real exchanges with a scripted server: the
 * delivery's result and the ledger row.
 */
class VisitorMailTests {

	private static final String ADDRESS = "jane.doe@example.net";

	private final JdbcTemplate jdbc = database();

	private final EmailSettings settings = new EmailSettings("survey", "shop@example.com", null, null, "en", Map.of(),
			EmailSettings.filter(null, null), 0, List.of());

	@Test
	void anAddressTheServerRefusesForGoodIsAPermanentFailureThatNamesNoAddress() throws Exception {
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(
				Map.of("rcpt", "550 5.1.1 <" + ADDRESS + ">: Recipient address rejected: User unknown"))) {
			Delivery<IAdvizeEvent> delivery = delivery();
			HandlerResult result = mail(server.port()).sendOnce(delivery, this.settings, this::letter);

			assertThat(result).isInstanceOfSatisfying(HandlerResult.PermanentFailure.class,
					(failure) -> assertThat(failure.reason())
						.startsWith("the SMTP server refused the recipient's address for good")
						.contains("550 5.1.1 <<recipient>>: Recipient address rejected")
						.doesNotContain(ADDRESS));
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

	private Letter letter(ClosedConversation conversation) {
		return new Letter(new Recipient(ADDRESS, new Visitor(Api.REST, "42", null, "Jane", null, ADDRESS, null, null,
				null, null, null)), Map.of("surveyUrl", "https://survey.example.com/"));
	}

	private String status(Delivery<IAdvizeEvent> delivery) {
		return this.jdbc.queryForObject("select status from workflow_mail where conversation_id = ?", String.class,
				delivery.event().conversationId());
	}

	private VisitorMail mail(int port) {
		JavaMailSenderImpl sender = new JavaMailSenderImpl();
		sender.setHost("127.0.0.1");
		sender.setPort(port);
		Properties properties = new Properties();
		properties.setProperty("mail.smtp.connectiontimeout", "2000");
		properties.setProperty("mail.smtp.timeout", "2000");
		sender.setJavaMailProperties(properties);
		StaticListableBeanFactory beans = new StaticListableBeanFactory(Map.of("sender", sender));
		return new VisitorMail(new NoEnrichment(), beans.getBeanProvider(JavaMailSender.class), new MailTemplates(null),
				new SentMails(this.jdbc), new MailProperties(null, List.of(), Duration.ofMinutes(10)),
				Clock.systemUTC(), new SimpleMeterRegistry());
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

	/** The letters here name their recipient themselves: iAdvize is never asked. */
	private static final class NoEnrichment implements IAdvizeEnrichment {

		@Override
		public Visitor visitor(IAdvizeEvent event) {
			throw new UnsupportedOperationException();
		}

		@Override
		public Transcript transcript(IAdvizeEvent event) {
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

	}

}
