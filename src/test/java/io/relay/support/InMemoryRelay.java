package io.relay.support;

import io.relay.RelayApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the whole application in this JVM on a random port and an in-memory H2 database of its own, for tests that
 * compare contexts started with different properties.
 */
public final class InMemoryRelay {

	private InMemoryRelay() {
	}

	public static ConfigurableApplicationContext start(String name, String... moreArgs) {
		String[] args = { "--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1" };
		String[] all = new String[args.length + moreArgs.length];
		System.arraycopy(args, 0, all, 0, args.length);
		System.arraycopy(moreArgs, 0, all, args.length, moreArgs.length);
		return new SpringApplicationBuilder(RelayApplication.class).run(all);
	}

}
