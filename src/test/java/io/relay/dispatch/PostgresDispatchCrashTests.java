package io.relay.dispatch;

import java.util.List;

import io.relay.support.TestPostgres;

class PostgresDispatchCrashTests extends DispatchCrashTests {

	private final String url = TestPostgres.newDatabase("dispatch_crash");

	@Override
	List<String> databaseArguments() {
		return List.of("--spring.datasource.url=" + this.url, "--spring.datasource.username=" + TestPostgres.username(),
				"--spring.datasource.password=" + TestPostgres.password());
	}

}
