package io.relay.workflow.mail;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Properties;

import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.springframework.mail.MailException;
import org.springframework.mail.javamail.JavaMailSenderImpl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What each SMTP failure means for the message, from real SMTP exchanges with JavaMail.
 */
class SmtpFailureTests {

	@Test
	void aRecipientRefusedForGoodIsAPermanentFailure() throws Exception {
		SmtpFailure failure = failure(Map.of("rcpt", "550 5.1.1 <jane@example.com>: Recipient address rejected"));
		assertThat(failure.kind()).isEqualTo(SmtpFailure.Kind.NOT_SENT_PERMANENT);
		assertThat(failure.description()).contains("550 5.1.1");
	}

	@Test
	void aRefusalAtTheRecipientThatIsTheServersPolicyTowardsRelayIsRetried() throws Exception {
		// JavaMail files these under invalid addresses, but they are Relay's login or address, not the visitor's:
		// every email would be dead on its first attempt, blaming the visitor's address.
		for (String reply : new String[] { "554 5.7.1 <jane@example.com>: Relay access denied",
				"550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "530 5.7.0 Authentication required",
				"554 Transaction failed", "553 5.1.8 <shop@example.com>: Sender address rejected: Domain not found",
				"550-5.7.1 Relay access denied\r\n550 5.7.1 Ask your postmaster" }) {
			SmtpFailure failure = failure(Map.of("rcpt", reply));
			assertThat(failure.kind()).as(reply).isEqualTo(SmtpFailure.Kind.NOT_SENT_RETRYABLE);
			assertThat(failure.description()).as(reply).contains("relay, login or sender policy", reply.substring(0, 3));
		}
		for (String reply : new String[] { "550 5.1.1 <jane@example.com>: Recipient address rejected",
				"553 5.1.3 Bad recipient address syntax", "550 No such user here" }) {
			assertThat(failure(Map.of("rcpt", reply)).kind()).as(reply).isEqualTo(SmtpFailure.Kind.NOT_SENT_PERMANENT);
		}
	}

	@Test
	void aRecipientRefusedForNowIsRetried() throws Exception {
		assertThat(failure(Map.of("rcpt", "452 4.2.2 Mailbox full")).kind())
			.isEqualTo(SmtpFailure.Kind.NOT_SENT_RETRYABLE);
	}

	@Test
	void aMessageRefusedAfterItsDataIsRetried() throws Exception {
		assertThat(failure(Map.of("data-end", "554 5.7.1 Message rejected as spam")).kind())
			.isEqualTo(SmtpFailure.Kind.NOT_SENT_RETRYABLE);
		assertThat(failure(Map.of("data-end", "451 4.3.0 Try again later")).kind())
			.isEqualTo(SmtpFailure.Kind.NOT_SENT_RETRYABLE);
	}

	@Test
	void aServerThatRefusesTheSessionIsRetried() throws Exception {
		assertThat(failure(Map.of("greeting", "421 4.3.2 Service not available")).kind())
			.isEqualTo(SmtpFailure.Kind.NOT_SENT_RETRYABLE);
	}

	@Test
	void aServerThatIsDownIsRetried() throws Exception {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		SmtpFailure failure = send(port);
		assertThat(failure.kind()).isEqualTo(SmtpFailure.Kind.NOT_SENT_RETRYABLE);
		assertThat(failure.description()).startsWith("could not connect to the SMTP server");
	}

	@Test
	void aConnectionLostWhileTheMessageIsHandedOverMayHaveSentIt() throws Exception {
		assertThat(failure(Map.of("data-end", ScriptedSmtpServer.DROP)).kind()).isEqualTo(SmtpFailure.Kind.UNKNOWN);
	}

	private static SmtpFailure failure(Map<String, String> script) throws Exception {
		try (ScriptedSmtpServer server = new ScriptedSmtpServer(script)) {
			return send(server.port());
		}
	}

	private static SmtpFailure send(int port) throws IOException {
		JavaMailSenderImpl sender = new JavaMailSenderImpl();
		sender.setHost("127.0.0.1");
		sender.setPort(port);
		Properties properties = new Properties();
		// Long: the scripted server's answers are what is tested, not how soon they come on a busy machine.
		properties.setProperty("mail.smtp.connectiontimeout", "10000");
		properties.setProperty("mail.smtp.timeout", "10000");
		sender.setJavaMailProperties(properties);
		MimeMessage message = sender.createMimeMessage();
		try {
			message.setFrom(new InternetAddress("shop@example.com"));
			message.setRecipient(MimeMessage.RecipientType.TO, new InternetAddress("jane@example.com"));
			message.setSubject("Hello");
			message.setText("Hello");
		}
		catch (jakarta.mail.MessagingException ex) {
			throw new IllegalStateException(ex);
		}
		MailException failure = catchThrowableOfType(MailException.class, () -> sender.send(message));
		assertThat(failure).as("the send fails").isNotNull();
		return SmtpFailure.of(failure);
	}

}
