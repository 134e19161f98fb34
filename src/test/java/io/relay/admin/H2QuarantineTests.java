package io.relay.admin;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(
		properties = "spring.datasource.url=jdbc:h2:file:./target/h2/quarantine-${random.uuid};WRITE_DELAY=0")
class H2QuarantineTests extends QuarantineTests {

}
