package io.relay.system;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import io.relay.support.Fixtures;
import io.relay.support.WebhookClient;
import io.relay.support.WebhookSignatures;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Built-in HTTPS as shipped in the {@code tls} profile: a self-signed certificate made with {@code openssl} at test
 * time, a real TLS handshake, and the certificate replaced on disk while Relay runs.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET,
				"spring.datasource.url=jdbc:h2:mem:tls;DB_CLOSE_DELAY=-1",
				"spring.ssl.bundle.watch.file.quiet-period=100ms" })
@ActiveProfiles("tls")
class TlsTests {

	private static Path directory;

	private static Path certificate;

	private static Path privateKey;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void certificate(DynamicPropertyRegistry registry) throws IOException {
		// Under target/ and kept: Relay watches it until the JVM ends, after the last test of this class.
		directory = Files.createTempDirectory(Files.createDirectories(Path.of("target", "tls-tests")), "certificates");
		certificate = directory.resolve("tls.crt");
		privateKey = directory.resolve("tls.key");
		selfSigned("relay-test-1", certificate, privateKey);
		registry.add("RELAY_TLS_CERTIFICATE", () -> "file:" + certificate);
		registry.add("RELAY_TLS_PRIVATE_KEY", () -> "file:" + privateKey);
	}

	@Test
	void aSignedDeliveryOverHttpsIsAccepted() throws Exception {
		Fixtures.Event event = Fixtures.withFreshId("v2.conversation.closed.json");
		HttpResponse<String> response = deliver(trusting(read(certificate)), event.body());
		assertThat(response.statusCode()).isEqualTo(202);
		assertThat(response.body()).contains(event.eventId()).contains("accepted");
		assertThat(response.sslSession()).hasValueSatisfying(
				(session) -> assertThat(session.getProtocol()).isIn("TLSv1.3", "TLSv1.2"));
	}

	@Test
	void aClientThatDoesNotTrustTheCertificateCannotConnect() throws Exception {
		SSLContext defaults = SSLContext.getDefault();
		assertThatExceptionOfType(SSLHandshakeException.class)
			.isThrownBy(() -> deliver(defaults, Fixtures.withFreshId("user.created.json").body()));
	}

	@Test
	void plainHttpOnTheTlsPortIsAnswered400() throws IOException {
		// Tomcat recognises a plain-text request on a TLS connector and answers it in plain text rather than
		// dropping the connection, so that the caller learns why.
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			out.write(("POST /webhooks/iadvize HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
					+ "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
			assertThat(answer).startsWith("HTTP/1.1 400");
			assertThat(answer).contains("TLS");
		}
	}

	@Test
	void aRenewedCertificateIsServedWithoutARestart() throws Exception {
		X509Certificate first = read(certificate);
		// Made beside, then moved in: Relay watches the directory, and must never see a half-written file.
		Path staging = Files.createTempDirectory(directory.getParent(), "staging");
		Path renewedCertificate = staging.resolve("tls.crt");
		Path renewedKey = staging.resolve("tls.key");
		selfSigned("relay-test-2", renewedCertificate, renewedKey);
		X509Certificate renewed = read(renewedCertificate);
		// The key first, then the certificate: both are in place before the quiet period ends.
		Files.move(renewedKey, privateKey, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
		Files.move(renewedCertificate, certificate, StandardCopyOption.REPLACE_EXISTING,
				StandardCopyOption.ATOMIC_MOVE);
		SSLContext trustingBoth = trusting(first, renewed);
		await().atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(200))
			.untilAsserted(() -> assertThat(servedCertificate(trustingBoth).getSubjectX500Principal().getName())
				.isEqualTo("CN=relay-test-2"));
		HttpResponse<String> response = deliver(trusting(renewed), Fixtures.withFreshId("user.updated.json").body());
		assertThat(response.statusCode()).isEqualTo(202);
		FileSystemUtils.deleteRecursively(staging);
	}

	private HttpResponse<String> deliver(SSLContext ssl, String body) throws IOException, InterruptedException {
		try (HttpClient client = HttpClient.newBuilder()
			.sslContext(ssl)
			.version(HttpClient.Version.HTTP_1_1)
			.connectTimeout(Duration.ofSeconds(5))
			.build()) {
			HttpRequest request = HttpRequest.newBuilder(URI.create("https://localhost:" + this.port + "/webhooks/iadvize"))
				.timeout(Duration.ofSeconds(30))
				.header("Content-Type", "application/json")
				.header("X-iAdvize-Signature", WebhookSignatures.sign(WebhookClient.SECRET, body))
				.header("X-iAdvize-Delivery", UUID.randomUUID().toString())
				.POST(HttpRequest.BodyPublishers.ofString(body))
				.build();
			return client.send(request, HttpResponse.BodyHandlers.ofString());
		}
	}

	private X509Certificate servedCertificate(SSLContext ssl) throws IOException {
		try (SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket("localhost", this.port)) {
			socket.setSoTimeout(5000);
			socket.startHandshake();
			return (X509Certificate) socket.getSession().getPeerCertificates()[0];
		}
	}

	private static SSLContext trusting(X509Certificate... certificates) throws Exception {
		KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
		trusted.load(null, null);
		for (int i = 0; i < certificates.length; i++) {
			trusted.setCertificateEntry("relay-" + i, certificates[i]);
		}
		TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
		trust.init(trusted);
		SSLContext context = SSLContext.getInstance("TLS");
		context.init(null, trust.getTrustManagers(), null);
		return context;
	}

	private static X509Certificate read(Path pem) throws Exception {
		try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(pem))) {
			Certificate certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
			return (X509Certificate) certificate;
		}
	}

	/** An EC P-256 key and a certificate for localhost and 127.0.0.1, valid one day, by the openssl command. */
	private static void selfSigned(String commonName, Path certificate, Path privateKey) {
		List<String> command = List.of("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
				"ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=" + commonName, "-addext",
				"subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", privateKey.toString(), "-out",
				certificate.toString());
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (process.waitFor() != 0) {
				throw new IllegalStateException("openssl failed: " + output);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("openssl is needed to make the test certificate", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
