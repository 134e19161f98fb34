package io.relay.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import io.micrometer.core.instrument.MeterRegistry;
import io.relay.support.InMemoryRelay;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Security guards every request with Relay's firewall (the one with {@link HeaderCharacters}): over HTTP, it
 * refuses what the default one refuses, answered as a problem, and lets a tab through.
 */
class HttpFirewallTests {

	@Test
	void aControlCharacterInAHeaderIsStillRefusedOverHttpWithAProblem() throws IOException {
		try (ConfigurableApplicationContext relay = InMemoryRelay.start("http-firewall-http")) {
			int port = ((WebServerApplicationContext) relay).getWebServer().getPort();
			// 0x85 is a C1 control character (NEL): Tomcat passes it on as ISO-8859-1; the firewall refuses it when the
			// webhook reads the header.
			String refused = answer(port, "X-iAdvize-Delivery: a\u0085b");
			assertThat(refused.lines().findFirst().orElse("")).contains(" 400");
			// A problem, like every refusal, that does not quote the offending value back.
			assertThat(refused).containsIgnoringCase("Content-Type: application/problem+json")
				.contains("\"reason\":\"rejected\"")
				.doesNotContain("a\u0085b");
			// The signature header is first read by Spring MVC (@RequestHeader), inside the DispatcherServlet.
			assertThat(answer(port, "X-iAdvize-Signature: sha256=0\u0085").lines().findFirst().orElse(""))
				.contains(" 400");
			// Counted beside the webhook's other refusals.
			assertThat(relay.getBean(MeterRegistry.class).get("relay.webhook.deliveries").tag("reason", "rejected")
				.counter().count()).isEqualTo(2);
			assertThat(statusLine(port, "X-iAdvize-Delivery: a\tb")).doesNotContain(" 400").contains(" 401");
		}
	}

	private static String statusLine(int port, String header) throws IOException {
		return answer(port, header).lines().findFirst().orElse("");
	}

	private static String answer(int port, String header) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			OutputStream out = socket.getOutputStream();
			out.write(("POST /webhooks/iadvize HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
					+ header + "\r\nContent-Length: 2\r\nConnection: close\r\n"
					+ "\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
		}
	}

}
