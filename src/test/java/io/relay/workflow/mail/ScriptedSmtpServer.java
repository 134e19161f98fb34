package io.relay.workflow.mail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal SMTP server that answers as scripted, to produce the replies GreenMail never gives: a recipient refused
 * for good or for now, a message refused after DATA, a connection dropped while the message is handed over.
 * <p>
 * Script keys: {@code greeting}, {@code rcpt}, {@code data-end}; a value is the reply line, {@code HOLD} (greeting
 * only) to say nothing until the client gives up, or {@code DROP} to close
 * the connection without a reply. Anything not scripted is accepted.
 */
final class ScriptedSmtpServer implements AutoCloseable {

	static final String DROP = "DROP";

	/** Answers nothing, and waits until the client gives up: a stuck server. */
	static final String HOLD = "HOLD";

	private final ServerSocket socket;

	private final Map<String, String> script;

	private final Thread thread;

	private final List<String> received = new CopyOnWriteArrayList<>();

	ScriptedSmtpServer(Map<String, String> script) throws IOException {
		this.script = script;
		this.socket = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
		this.thread = Thread.ofVirtual().start(this::serve);
	}

	int port() {
		return this.socket.getLocalPort();
	}

	/** The lines of the messages received, headers and bodies, as ASCII (other bytes read as U+FFFD). */
	List<String> received() {
		return this.received;
	}

	private void serve() {
		while (!this.socket.isClosed()) {
			try (Socket client = this.socket.accept()) {
				converse(client);
			}
			catch (IOException ex) {
				// closed, or the client went away
			}
		}
	}

	private void converse(Socket client) throws IOException {
		BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
		OutputStream out = client.getOutputStream();
		String greeting = this.script.getOrDefault("greeting", "220 scripted ESMTP");
		if (HOLD.equals(greeting)) {
			// Blocks until the client closes the connection (its read timeout).
			while (client.getInputStream().read() >= 0) {
				// ignored
			}
			return;
		}
		if (!reply(out, greeting)) {
			return;
		}
		String line;
		while ((line = in.readLine()) != null) {
			String command = line.toUpperCase(Locale.ROOT);
			String answer;
			if (command.startsWith("EHLO") || command.startsWith("HELO")) {
				answer = "250 scripted";
			}
			else if (command.startsWith("RCPT")) {
				answer = this.script.getOrDefault("rcpt", "250 OK");
			}
			else if (command.startsWith("DATA")) {
				reply(out, "354 go ahead");
				while ((line = in.readLine()) != null && !line.equals(".")) {
					this.received.add(line);
				}
				answer = this.script.getOrDefault("data-end", "250 queued");
			}
			else if (command.startsWith("QUIT")) {
				reply(out, "221 bye");
				return;
			}
			else {
				answer = "250 OK";
			}
			if (!reply(out, answer)) {
				return;
			}
		}
	}

	private static boolean reply(OutputStream out, String line) throws IOException {
		if (DROP.equals(line)) {
			return false;
		}
		out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
		out.flush();
		return true;
	}

	@Override
	public void close() throws Exception {
		this.socket.close();
		this.thread.join();
	}

}
