package io.relay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.relay.support.InMemoryRelay;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's quick start, as written: its secret, its {@code bash} block (openssl and curl) and the answers it
 * shows. Only the port changes (Relay runs on a free one here, not 8080), and an in-memory database replaces
 * {@code ./data}.
 */
class ReadmeQuickStartTests {

	private static final Pattern CODE_BLOCK = Pattern.compile("```(\\w*)\\n(.*?)```", Pattern.DOTALL);

	private static String quickStart;

	private static ConfigurableApplicationContext relay;

	@TempDir
	static Path directory;

	@BeforeAll
	static void startRelayAsTheReadmeSays() throws IOException {
		String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
		quickStart = readme.substring(readme.indexOf("## Quick start"), readme.indexOf("\n## ", readme.indexOf(
				"## Quick start") + 1));
		Matcher run = Pattern.compile("RELAY_WEBHOOK_SECRETS=(\\S+) \\./mvnw spring-boot:run").matcher(quickStart);
		assertThat(run.find()).as("the quick start's run command").isTrue();
		relay = InMemoryRelay.start("readme-quick-start", "--relay.webhook.secrets=" + run.group(1));
	}

	@AfterAll
	static void stop() {
		relay.close();
	}

	@Test
	void theSignedSampleIsAcceptedWithTheAnswerShownThenADuplicate() throws Exception {
		String shown = block("", "HTTP/1.1");
		Answer first = send(script());
		assertThat(first.statusLine()).isEqualTo(shown.lines().findFirst().orElseThrow());
		assertThat(first.header("Content-Type")).isEqualTo(header(shown, "Content-Type"));
		assertThat(first.body()).isEqualTo(shown.lines().toList().getLast());

		// "Send the same command again and Relay answers `200` with `"status":"duplicate"`"
		assertThat(quickStart).contains("answers `200` with `\"status\":\"duplicate\"`");
		Answer again = send(script());
		assertThat(again.statusLine()).isEqualTo("HTTP/1.1 200");
		assertThat(again.body()).contains("\"status\":\"duplicate\"");
	}

	@Test
	void aByteChangedAfterSigningIsRefusedWithAProblem() throws Exception {
		String script = script();
		// "Change one byte of BODY without signing it again": after the signature line, before the request.
		int request = script.indexOf("curl ");
		String tampered = script.substring(0, request) + "BODY=\"${BODY/3030/3031}\"\n" + script.substring(request);

		assertThat(quickStart).contains("the answer is `401` with an\n`application/problem+json` body");
		Answer answer = send(tampered);
		assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 401");
		assertThat(answer.header("Content-Type")).isEqualTo("application/problem+json");
		assertThat(answer.body()).contains("signature");
	}

	/** The block that sends the signed sample, pointed at this test's Relay. */
	private static String script() {
		String script = block("bash", "curl ");
		int port = ((WebServerApplicationContext) relay).getWebServer().getPort();
		assertThat(script).contains("http://localhost:8080/").contains("3030");
		return script.replace("http://localhost:8080/", "http://localhost:" + port + "/");
	}

	/** The quick start's first code block of this language that contains {@code text}. */
	private static String block(String language, String text) {
		Matcher blocks = CODE_BLOCK.matcher(quickStart);
		while (blocks.find()) {
			if (blocks.group(1).equals(language) && blocks.group(2).contains(text)) {
				return blocks.group(2).strip();
			}
		}
		throw new AssertionError("No ```" + language + " block with '" + text + "' in the README's quick start");
	}

	private static String header(String response, String name) {
		return response.lines()
			.filter((line) -> line.regionMatches(true, 0, name + ":", 0, name.length() + 1))
			.map((line) -> line.substring(name.length() + 1).strip())
			.findFirst()
			.orElseThrow(() -> new AssertionError("No " + name + " header in " + response));
	}

	private static Answer send(String script) throws Exception {
		Path out = Files.createTempFile(directory, "out", ".txt");
		Path err = Files.createTempFile(directory, "err", ".txt");
		ProcessBuilder builder = new ProcessBuilder("bash", "-c", "set -e\n" + script).redirectOutput(out.toFile())
			.redirectError(err.toFile());
		// Straight to this Relay: no proxy, no ~/.curlrc.
		builder.environment().put("NO_PROXY", "localhost,127.0.0.1");
		builder.environment().put("no_proxy", "localhost,127.0.0.1");
		builder.environment().put("CURL_HOME", directory.toString());
		Process bash = builder.start();
		boolean ended = bash.waitFor(30, TimeUnit.SECONDS);
		if (!ended) {
			bash.destroyForcibly();
		}
		assertThat(ended).as("the script ended within 30 s (stderr: %s)", Files.readString(err)).isTrue();
		assertThat(bash.exitValue()).as("the script's exit (stderr: %s)", Files.readString(err)).isZero();
		return Answer.of(Files.readString(out).replace("\r\n", "\n"));
	}

	private record Answer(String statusLine, List<String> headers, String body) {

		static Answer of(String output) {
			int end = output.indexOf("\n\n");
			assertThat(end).as("an HTTP answer from curl -i: %s", output).isPositive();
			List<String> head = new ArrayList<>(output.substring(0, end).lines().toList());
			// Tomcat sends no reason phrase: "HTTP/1.1 202 ", as the README shows it without the space.
			return new Answer(head.removeFirst().strip(), head, output.substring(end + 2).strip());
		}

		String header(String name) {
			return ReadmeQuickStartTests.header(String.join("\n", this.headers), name);
		}

	}

}
