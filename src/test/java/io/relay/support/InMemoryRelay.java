package io.relay.support;

import java.util.LinkedHashMap;
import java.util.Map;

import io.relay.RelayApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the whole application in this JVM on a random port and an in-memory H2 database of its own, for tests that
 * compare contexts started with different properties.
 * <p>
 * Everything is given as command-line arguments: properties set with {@link SpringApplicationBuilder#properties} are
 * defaults, below application.yml, whose file database would win over the test's.
 */
public final class InMemoryRelay {

	private InMemoryRelay() {
	}

	/**
	 * @param name the in-memory database's name
	 * @param moreArgs {@code --key=value} arguments; a later value of a key replaces an earlier one, these defaults
	 * included (the command line itself would join both with a comma)
	 */
	public static ConfigurableApplicationContext start(String name, String... moreArgs) {
		Map<String, String> byKey = new LinkedHashMap<>();
		String[] defaults = { "--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1" };
		for (String[] args : new String[][] { defaults, moreArgs }) {
			for (String arg : args) {
				int equals = arg.indexOf('=');
				byKey.put((equals < 0) ? arg : arg.substring(0, equals), arg);
			}
		}
		return new SpringApplicationBuilder(RelayApplication.class).run(byKey.values().toArray(String[]::new));
	}

}
