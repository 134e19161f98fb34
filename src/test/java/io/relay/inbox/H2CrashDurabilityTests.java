package io.relay.inbox;

import java.nio.file.Path;

class H2CrashDurabilityTests extends CrashDurabilityTests {

	private final String url = "jdbc:h2:file:" + Path.of("target", "h2", "crash-" + System.nanoTime()).toAbsolutePath()
			+ ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";

	@Override
	String[] databaseArguments() {
		return new String[] { "--spring.datasource.url=" + this.url };
	}

}
