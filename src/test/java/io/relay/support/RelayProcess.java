package io.relay.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * Relay in a JVM of its own, so that a test can kill it for real ({@code SIGKILL}, as {@code kill -9}) and start
 * it again on the same database.
 */
public final class RelayProcess implements AutoCloseable {

	/** Tomcat's line (plain or structured logs alike), the main server's being the first. */
	private static final Pattern STARTED = Pattern.compile("Tomcat started on port (\\d+)");

	private final Process process;

	private final int port;

	private final Path log;

	private RelayProcess(Process process, int port, Path log) {
		this.process = process;
		this.port = port;
		this.log = log;
	}

	/**
	 * Starts Relay with the test class path and waits until it is ready.
	 * @param name names the log file under {@code target/relay-process}
	 * @param arguments Spring Boot arguments such as {@code --spring.datasource.url=...}
	 */
	public static RelayProcess start(String name, String... arguments) {
		Path log = Path.of("target", "relay-process", name + "-" + System.nanoTime() + ".log");
		List<String> command = new ArrayList<>();
		command.add(ProcessHandle.current().info().command().orElse("java"));
		command.add("-Xmx512m");
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add("io.relay.RelayApplication");
		// Port 0, read back from the log: a free port picked here could be taken before Relay binds it, and the
		// readiness check could then be answered by whatever took it.
		command.add("--server.port=0");
		command.add("--relay.webhook.secrets=" + WebhookClient.SECRET);
		command.addAll(List.of(arguments));
		try {
			Files.createDirectories(log.getParent());
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.directory(new File("."))
				.start();
			RelayProcess relay = new RelayProcess(process, awaitPort(process, log), log);
			relay.awaitReady();
			return relay;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public WebhookClient client() {
		return WebhookClient.onPort(this.port);
	}

	public int port() {
		return this.port;
	}

	/** {@code kill -9}: no shutdown hook, no flush, no goodbye. */
	public void kill() {
		this.process.destroyForcibly();
		waitForExit();
	}

	/** {@code SIGTERM}: Spring's graceful shutdown. */
	public void stop() {
		this.process.destroy();
		waitForExit();
	}

	/** The log so far (decoded leniently: it may end in the middle of a character being written). */
	public String log() {
		try {
			return new String(Files.readAllBytes(this.log), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			// Not a placeholder text: a test asserting what the log does not contain would pass on it.
			throw new UncheckedIOException(ex);
		}
	}

	@Override
	public void close() {
		if (this.process.isAlive()) {
			kill();
		}
	}

	private void awaitReady() {
		WebhookClient client = client();
		await("Relay on port " + this.port + " ready (log: " + this.log + ")").atMost(Duration.ofSeconds(90))
			.pollInterval(Duration.ofMillis(200))
			.ignoreExceptions()
			.failFast("Relay exited", () -> !this.process.isAlive())
			.until(() -> client.get("/actuator/health/readiness").statusCode() == 200);
	}

	private void waitForExit() {
		try {
			if (!this.process.waitFor(60, TimeUnit.SECONDS)) {
				throw new IllegalStateException("Relay did not exit");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static int awaitPort(Process process, Path log) {
		AtomicInteger port = new AtomicInteger();
		await("Relay's port in its log " + log).atMost(Duration.ofSeconds(90))
			.pollInterval(Duration.ofMillis(100))
			.failFast("Relay exited (log: " + log + ")", () -> !process.isAlive())
			.until(() -> {
				// Decoded leniently: the log may end in the middle of a character being written.
				Matcher started = STARTED.matcher(new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
				if (started.find()) {
					port.set(Integer.parseInt(started.group(1)));
				}
				return port.get() > 0;
			});
		return port.get();
	}

}
