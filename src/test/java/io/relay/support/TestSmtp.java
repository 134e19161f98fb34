package io.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.List;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

/**
 * A real SMTP server (GreenMail) on a fixed loopback port, so that a test can stop it (the server is down: connections
 * are refused) and start it again on the same port. Messages survive a restart.
 */
public final class TestSmtp {

	private final int port;

	private final GreenMail greenMail;

	private TestSmtp(int port) {
		this.port = port;
		this.greenMail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
	}

	public static TestSmtp start() {
		TestSmtp smtp = new TestSmtp(freePort());
		smtp.restart();
		return smtp;
	}

	public int port() {
		return this.port;
	}

	private boolean running;

	public synchronized void stop() {
		if (this.running) {
			this.greenMail.stop();
			this.running = false;
		}
	}

	/** Starts the server again on the same port, if it is stopped. */
	public synchronized void restart() {
		if (!this.running) {
			this.greenMail.start();
			this.running = true;
		}
	}

	/** Every message received for {@code address}, oldest first. */
	public List<MimeMessage> messagesTo(String address) {
		return Arrays.stream(this.greenMail.getReceivedMessages()).filter((message) -> isTo(message, address)).toList();
	}

	private static boolean isTo(MimeMessage message, String address) {
		try {
			Address[] to = message.getRecipients(Message.RecipientType.TO);
			return to != null && Arrays.stream(to).anyMatch((candidate) -> candidate.toString().contains(address));
		}
		catch (MessagingException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
