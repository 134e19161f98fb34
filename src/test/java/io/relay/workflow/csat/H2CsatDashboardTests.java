package io.relay.workflow.csat;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:file:./target/h2/csat-dashboard-${random.uuid};WRITE_DELAY=0")
class H2CsatDashboardTests extends CsatDashboardTests {

}
