package io.relay.support;

import java.nio.file.Path;

import org.h2.jdbcx.JdbcDataSource;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

/**
 * The embedded default's H2 URL, as application.yml writes it, for a database file somewhere else; a data source for
 * tests that use H2 without Spring.
 */
public final class EmbeddedH2 {

	private static final String DEFAULT_FILE = "./data/relay";

	private EmbeddedH2() {
	}

	/** application.yml's {@code spring.datasource.url}, with every setting it has, for the database {@code file}. */
	public static String defaultUrlFor(Path file) {
		YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
		yaml.setResources(new ClassPathResource("application.yml"));
		String url = yaml.getObject().getProperty("spring.datasource.url");
		if (url == null || !url.startsWith("jdbc:h2:file:" + DEFAULT_FILE + ";")) {
			throw new IllegalStateException("application.yml's datasource URL is not the embedded H2 file: " + url);
		}
		return url.replace(DEFAULT_FILE, file.toAbsolutePath().toString());
	}

	/** A data source without a pool on the H2 database at {@code url}, as user {@code sa}. */
	public static JdbcDataSource dataSource(String url) {
		JdbcDataSource dataSource = new JdbcDataSource();
		dataSource.setURL(url);
		dataSource.setUser("sa");
		dataSource.setPassword("");
		return dataSource;
	}

}
