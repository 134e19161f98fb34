package io.relay.inbox;

import io.relay.support.TestPostgres;

class PostgresCrashDurabilityTests extends CrashDurabilityTests {

	private final String url = TestPostgres.newDatabase("crash");

	@Override
	String[] databaseArguments() {
		return new String[] { "--spring.datasource.url=" + this.url,
				"--spring.datasource.username=" + TestPostgres.username(),
				"--spring.datasource.password=" + TestPostgres.password() };
	}

}
