package io.relay.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Relay in a JVM of its own, so that a test can kill it for real ({@code SIGKILL}, as {@code kill -9}) and start
 * it again on the same database.
 */
public final class RelayProcess implements AutoCloseable {

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
		int port = freePort();
		Path log = Path.of("target", "relay-process", name + "-" + System.nanoTime() + ".log");
		List<String> command = new ArrayList<>();
		command.add(ProcessHandle.current().info().command().orElse("java"));
		command.add("-Xmx512m");
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add("io.relay.RelayApplication");
		command.add("--server.port=" + port);
		command.add("--relay.webhook.secrets=" + WebhookClient.SECRET);
		command.addAll(List.of(arguments));
		try {
			Files.createDirectories(log.getParent());
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.directory(new File("."))
				.start();
			RelayProcess relay = new RelayProcess(process, port, log);
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

	public String log() {
		try {
			return Files.readString(this.log);
		}
		catch (IOException ex) {
			return "(no log: " + ex + ")";
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

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
