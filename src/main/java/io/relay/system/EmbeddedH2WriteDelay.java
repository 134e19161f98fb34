package io.relay.system;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.stereotype.Component;

/**
 * Makes an embedded H2 file database write every commit to its file before the commit returns ({@code WRITE_DELAY}
 * 0, decision 0002), whatever {@code spring.datasource.url} says.
 * <p>
 * Relay acknowledges an event once its commit returns; with H2's default write delay (500 ms) that commit is still
 * in memory for up to that long, and a killed process loses an event it acknowledged. The default URL sets the delay
 * to 0, but a URL of the operator's own (one naming another file, say) easily leaves it out: the setting is then
 * made here, with a warning. It is made when this bean is created, so before the inbox starts storing events and
 * before {@link EmbeddedH2Flush} and {@link EmbeddedH2Compaction} look at the database (after every singleton is
 * created); the compaction runs only without a write delay. A no-op for any other database.
 */
@Component
class EmbeddedH2WriteDelay implements InitializingBean {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedH2WriteDelay.class);

	private final DataSource dataSource;

	EmbeddedH2WriteDelay(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	@Override
	public void afterPropertiesSet() throws SQLException {
		try (Connection connection = this.dataSource.getConnection()) {
			MVStore store = EmbeddedH2Store.of(connection);
			int delay = (store != null) ? store.getAutoCommitDelay() : 0;
			if (delay == 0) {
				return;
			}
			try (Statement statement = connection.createStatement()) {
				statement.execute("SET WRITE_DELAY 0");
			}
			catch (SQLException ex) {
				logger.debug("Could not set WRITE_DELAY: {}", ex.toString());
			}
			if (store.getAutoCommitDelay() == 0) {
				logger.warn("The embedded H2 database was set to write its commits {} ms late (WRITE_DELAY): set to 0, "
						+ "since an acknowledged event must survive the process being killed. Add ;WRITE_DELAY=0 to "
						+ "spring.datasource.url to start that way (docs/configuration.md)", delay);
			}
			else {
				logger.warn("The embedded H2 database writes its commits {} ms late and WRITE_DELAY could not be set "
						+ "to 0 (it needs an admin user): an acknowledged event can be lost if the process is killed. "
						+ "Add ;WRITE_DELAY=0 to spring.datasource.url (docs/configuration.md)", delay);
			}
		}
	}

}
