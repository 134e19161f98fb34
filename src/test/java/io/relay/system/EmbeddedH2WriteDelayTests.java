package io.relay.system;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

import io.relay.RelayApplication;
import io.relay.support.EmbeddedH2;
import io.relay.support.WebhookClient;
import org.h2.jdbcx.JdbcDataSource;
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
	void aDatabaseThatWritesItsCommitsLateIsSetToWriteEachOneAndSaysSo(@TempDir Path directory,
			CapturedOutput output) throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource("jdbc:h2:file:" + directory.resolve("relay"));
		try (Connection open = dataSource.getConnection()) {
			assertThat(EmbeddedH2Store.of(open).getAutoCommitDelay()).as("H2's default").isEqualTo(500);

			new EmbeddedH2WriteDelay(dataSource).afterPropertiesSet();

			assertThat(EmbeddedH2Store.of(open).getAutoCommitDelay()).isZero();
			assertThat(output).contains("was set to write its commits 500 ms late (WRITE_DELAY): set to 0")
				.contains("Add ;WRITE_DELAY=0 to spring.datasource.url");
		}
	}

	@Test
	void theDefaultUrlNeedsNothingAndGetsNoWarning(@TempDir Path directory, CapturedOutput output)
			throws SQLException {
		JdbcDataSource dataSource = EmbeddedH2.dataSource(EmbeddedH2.defaultUrlFor(directory.resolve("relay")));
		try (Connection open = dataSource.getConnection()) {
			new EmbeddedH2WriteDelay(dataSource).afterPropertiesSet();

			assertThat(EmbeddedH2Store.of(open).getAutoCommitDelay()).isZero();
			assertThat(output).doesNotContain("WRITE_DELAY");
		}
	}

	@Test
	void relayOnSuchAUrlRunsWithEveryCommitWrittenAndTheFileCompacted(@TempDir Path directory, CapturedOutput output)
			throws SQLException {
		try (ConfigurableApplicationContext relay = new SpringApplicationBuilder(RelayApplication.class).run(
				"--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=jdbc:h2:file:" + directory.resolve("relay") + ";DB_CLOSE_ON_EXIT=FALSE",
				"--logging.level.io.relay.system.EmbeddedH2Compaction=DEBUG");
				Connection connection = relay.getBean(javax.sql.DataSource.class).getConnection()) {
			assertThat(EmbeddedH2Store.of(connection).getAutoCommitDelay()).isZero();
			// The compaction is scheduled only for a database without a write delay, which it looks at when it
			// starts: it must have seen the delay already set to 0 (decision 0009).
			await().until(() -> output.getOut().contains("Compacted the embedded H2 file"));
		}
	}

}
