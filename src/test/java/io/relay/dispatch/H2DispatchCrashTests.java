package io.relay.dispatch;

import java.nio.file.Path;
import java.util.List;

import io.relay.support.EmbeddedH2;

/** On the embedded default exactly as application.yml ships it, in a file of its own. */
class H2DispatchCrashTests extends DispatchCrashTests {

	private final String url = EmbeddedH2.defaultUrlFor(Path.of("target", "h2", "dispatch-crash-" + System.nanoTime()));

	@Override
	List<String> databaseArguments() {
		return List.of("--spring.datasource.url=" + this.url);
	}

}
