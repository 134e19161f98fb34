package io.relay.system;

import com.zaxxer.hikari.HikariDataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.stereotype.Component;

/**
 * Gives an H2 database's connection pool a URL with {@code TIME ZONE=UTC}, unless it names a time zone itself.
 * <p>
 * H2 turns a {@link java.sql.Timestamp} into a local date and time of the session's time zone (the JVM's, by
 * default) before it stores it in a {@code timestamp with time zone} column. In a zone with summer time, the hour
 * that repeats in autumn is ambiguous, and H2 reads it as the first: every instant of its second occurrence was
 * stored an hour early. A lease ending in it could look expired up to an hour early, and a delivery still running
 * be claimed and run a second time; events received then were listed an hour early. In UTC no hour repeats. Every Relay column is
 * {@code with time zone}, so rows stored before keep their instants. In the URL rather than a {@code SET}, as
 * {@link EmbeddedH2WriteDelay} explains: H2 applies it to every connection it opens.
 */
@Component
class H2TimeZone implements BeanPostProcessor {

	private static final String SETTING = "TIME ZONE";

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		// A zone given as a driver property (spring.datasource.hikari.data-source-properties) is the operator's too:
		// in both places, H2 refuses to connect.
		if (bean instanceof HikariDataSource pool && pool.getJdbcUrl() != null && pool.getDataSourceProperties()
			.stringPropertyNames()
			.stream()
			.noneMatch(SETTING::equalsIgnoreCase)) {
			pool.setJdbcUrl(inUtc(pool.getJdbcUrl()));
		}
		return bean;
	}

	/** The URL with {@code TIME ZONE=UTC} right after the database's path, if it is H2's and names no time zone. */
	static String inUtc(String url) {
		if (!url.regionMatches(true, 0, "jdbc:h2:", 0, "jdbc:h2:".length())) {
			return url;
		}
		String[] parts = url.split(";", -1);
		for (int i = 1; i < parts.length; i++) {
			int equals = parts[i].indexOf('=');
			String name = ((equals >= 0) ? parts[i].substring(0, equals) : parts[i]).strip();
			if (name.equalsIgnoreCase(SETTING)) {
				return url; // the operator's own choice (docs/configuration.md)
			}
		}
		// After the path, as EmbeddedH2WriteDelay does: after a last value ending in "\" it would join that value.
		return parts[0] + ";" + SETTING + "=UTC" + url.substring(parts[0].length());
	}

}
