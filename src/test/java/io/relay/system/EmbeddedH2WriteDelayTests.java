package io.relay.system;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import io.relay.RelayApplication;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An embedded H2 URL without {@code WRITE_DELAY=0} (an operator's own) still gets every commit written before it
 * returns, so that an acknowledged event survives the process being killed.
 */
@ExtendWith(OutputCaptureExtension.class)
class EmbeddedH2WriteDelayTests {

	@Test
	void anEmbeddedUrlGetsWriteDelayZeroInPlaceOfAnyOtherValue() {
		assertThat(EmbeddedH2WriteDelay.writingEveryCommit("jdbc:h2:file:./x"))
			.isEqualTo("jdbc:h2:file:./x;WRITE_DELAY=0");
		assertThat(EmbeddedH2WriteDelay.writingEveryCommit("jdbc:h2:./x;write_delay=500;CACHE_SIZE=4096"))
			.isEqualTo("jdbc:h2:./x;WRITE_DELAY=0;CACHE_SIZE=4096");
		assertThat(EmbeddedH2WriteDelay.writingEveryCommit("jdbc:h2:file:./x;WRITE_DELAY=0;WRITE_DELAY=10"))
			.isEqualTo("jdbc:h2:file:./x;WRITE_DELAY=0");
		// H2 reads "\;" as a semicolon in a value: after a password ending in a backslash, the setting would join it.
		assertThat(EmbeddedH2WriteDelay.writingEveryCommit("jdbc:h2:file:./x;USER=u;PASSWORD=p\\"))
			.isEqualTo("jdbc:h2:file:./x;WRITE_DELAY=0;USER=u;PASSWORD=p\\");
	}

	@Test
	void aUrlThatWritesEveryCommitAlreadyOrIsNotAnEmbeddedFileIsLeftAlone() {
		for (String url : List.of("jdbc:h2:file:./data/relay;WRITE_DELAY=0;CACHE_SIZE=4096;DB_CLOSE_ON_EXIT=FALSE",
				"jdbc:h2:file:./x;write_delay=0", "jdbc:h2:mem:x;DB_CLOSE_DELAY=-1", "jdbc:h2:tcp://host/x",
				"jdbc:postgresql://host/relay")) {
			assertThat(EmbeddedH2WriteDelay.writingEveryCommit(url)).isEqualTo(url);
		}
	}

	@Test
	void relayOnSuchAUrlWritesEveryCommitOnEveryConnectionAndCompactsItsFile(@TempDir Path directory,
			CapturedOutput output) throws SQLException {
		// A delay in the URL itself: H2 applies it again on every connection the pool opens.
		try (ConfigurableApplicationContext relay = new SpringApplicationBuilder(RelayApplication.class).run(
				"--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=jdbc:h2:file:" + directory.resolve("relay")
						+ ";WRITE_DELAY=500;DB_CLOSE_ON_EXIT=FALSE",
				"--logging.level.io.relay.system.EmbeddedH2Compaction=DEBUG")) {
			DataSource dataSource = relay.getBean(DataSource.class);
			List<Connection> connections = new ArrayList<>();
			try {
				for (int i = 0; i < 5; i++) {
					connections.add(dataSource.getConnection());
				}
				assertThat(EmbeddedH2Store.of(connections.getLast()).getAutoCommitDelay()).isZero();
			}
			finally {
				for (Connection connection : connections) {
					connection.close();
				}
			}
			assertThat(output).contains("Relay opens it with WRITE_DELAY=0");
			// The compaction runs only without a write delay, which it looks at when it starts (decision 0009).
			await().until(() -> output.getOut().contains("Compacted the embedded H2 file"));
		}
	}

}
