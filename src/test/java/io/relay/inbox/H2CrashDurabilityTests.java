package io.relay.inbox;

import java.nio.file.Path;

import io.relay.support.EmbeddedH2;

/** On the embedded default exactly as application.yml ships it, in a file of its own. */
class H2CrashDurabilityTests extends CrashDurabilityTests {

	private final String url = EmbeddedH2.defaultUrlFor(Path.of("target", "h2", "crash-" + System.nanoTime()));

	@Override
	String[] databaseArguments() {
		return new String[] { "--spring.datasource.url=" + this.url };
	}

}
