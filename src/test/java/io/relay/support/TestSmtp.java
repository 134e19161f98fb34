package io.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A real SMTP server (GreenMail) on a fixed loopback port, so that a test can stop it (the server is down: connections
 * are refused) and start it again on the same port. Messages survive a restart. The port lies outside the range the
 * system hands out on its own, so that nothing else takes it while the server is down.
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

	/** Points Relay's mail sender at this server, for a test's {@code @DynamicPropertySource}. */
	public void register(DynamicPropertyRegistry registry) {
		registry.add("spring.mail.host", () -> "127.0.0.1");
		registry.add("spring.mail.port", this::port);
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

	/**
	 * A free port below the kernel's ephemeral range: while the server is down, no outgoing connection and no server
	 * on port 0 is given it, so that it can be bound again (a port from {@code new ServerSocket(0)} could be).
	 */
	static int freePort() {
		int ephemeralStart = ephemeralRangeStart();
		for (int tries = 0; tries < 200 && ephemeralStart > 11_000; tries++) {
			int candidate = ThreadLocalRandom.current().nextInt(10_000, ephemeralStart);
			try (ServerSocket socket = new ServerSocket()) {
				socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), candidate));
				return candidate;
			}
			catch (IOException ex) {
				// taken: try another
			}
		}
		// No room below the range (or all taken): any free port, as before.
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Linux's {@code ip_local_port_range} start; 32768 (its default) elsewhere. */
	private static int ephemeralRangeStart() {
		try {
			// Not Files.readString: it trusts the size /proc reports and read "3" of "32768\t60999" here.
			String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).getFirst().trim();
			return Integer.parseInt(range.split("\\s+")[0]);
		}
		catch (IOException | RuntimeException ex) {
			return 32_768;
		}
	}

}
