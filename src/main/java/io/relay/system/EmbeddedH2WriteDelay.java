package io.relay.system;

import java.util.Locale;

import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Gives an embedded H2 file database's connection pool a URL with {@code WRITE_DELAY=0}, so that every commit is
 * written to the file before it returns (decision 0002), whatever {@code spring.datasource.url} says.
 * <p>
 * Relay acknowledges an event once its commit returns; with H2's default write delay (500 ms) that commit is still
 * in memory for up to that long, and a killed process loses an event it acknowledged. The default URL has the
 * setting, but a URL of the operator's own (one naming another file, say) easily leaves it out. It goes in the URL,
 * not in a {@code SET} at startup: H2 applies a URL's settings on every connection it opens (a {@code WRITE_DELAY=500}
 * left in the URL would undo the {@code SET} with the pool's next connection) and when it opens the database again
 * (after a full disk, {@link ClosedH2DatabaseEviction}), where a {@code SET} is not applied again.
 * <p>
 * H2 applies the setting with the rights of the URL's user, who must be an admin of the database ({@code sa}, the
 * default, is; the default URL needs it as well). Only for Hikari, Spring Boot's default pool; with another one,
 * {@link EmbeddedH2Flush} warns at startup.
 */
@Component
class EmbeddedH2WriteDelay implements BeanPostProcessor {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedH2WriteDelay.class);

	private static final String SETTING = "WRITE_DELAY";

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		// After initialisation: spring.datasource.hikari.* is bound by then; the pool starts with its first connection.
		if (bean instanceof HikariDataSource pool && pool.getJdbcUrl() != null) {
			String url = pool.getJdbcUrl();
			String writingEveryCommit = writingEveryCommit(url);
			if (!writingEveryCommit.equals(url)) {
				pool.setJdbcUrl(writingEveryCommit);
				logger.warn("spring.datasource.url lets the embedded H2 database write its commits late (no {}=0): "
						+ "Relay opens it with {}=0, since an acknowledged event must survive the process being "
						+ "killed. Add ;{}=0 to the URL to start that way (docs/configuration.md)", SETTING, SETTING,
						SETTING);
			}
		}
		return bean;
	}

	/** The URL with {@code WRITE_DELAY=0} in place of any other value, if it is an embedded H2 database's. */
	static String writingEveryCommit(String url) {
		if (!isEmbeddedH2(url)) {
			return url;
		}
		String[] parts = url.split(";", -1);
		// Right after the database's path, not at the end: H2 reads "\;" as a semicolon in a value, so after a last
		// value ending in a backslash (a password, say) the setting would become part of that value.
		StringBuilder rewritten = new StringBuilder(parts[0]).append(';').append(SETTING).append("=0");
		boolean zero = false;
		boolean late = false;
		for (int i = 1; i < parts.length; i++) {
			int equals = parts[i].indexOf('=');
			String name = (equals >= 0) ? parts[i].substring(0, equals) : parts[i];
			if (name.equalsIgnoreCase(SETTING)) {
				boolean isZero = parts[i].substring(equals + 1).equals("0");
				zero |= isZero;
				late |= !isZero;
			}
			else {
				rewritten.append(';').append(parts[i]);
			}
		}
		return (zero && !late) ? url : rewritten.toString();
	}

	/** An H2 database this process opens from a file: not in memory, not another process's server. */
	private static boolean isEmbeddedH2(String url) {
		String lower = url.toLowerCase(Locale.ROOT);
		if (!lower.startsWith("jdbc:h2:")) {
			return false;
		}
		String location = lower.substring("jdbc:h2:".length());
		return !location.startsWith("mem:") && !location.startsWith("tcp:") && !location.startsWith("ssl:");
	}

}
