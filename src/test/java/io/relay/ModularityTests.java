package io.relay;

import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModules;

/**
 * Keeps the capability packages honest: no cycles, and no module reaching into another's internals.
 */
class ModularityTests {

	@Test
	void modulesRespectTheirBoundaries() {
		ApplicationModules.of(RelayApplication.class).verify();
	}

}
