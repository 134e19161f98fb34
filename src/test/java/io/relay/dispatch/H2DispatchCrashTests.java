package io.relay.dispatch;

import java.nio.file.Path;
import java.util.List;

class H2DispatchCrashTests extends DispatchCrashTests {

	private final String url = "jdbc:h2:file:" + Path.of("target", "h2", "dispatch-crash-" + System.nanoTime())
		.toAbsolutePath() + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";

	@Override
	List<String> databaseArguments() {
		return List.of("--spring.datasource.url=" + this.url);
	}

}
