package io.relay.workflow.lead;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:file:./target/h2/lead-workflow-${random.uuid};WRITE_DELAY=0")
class H2LeadWorkflowTests extends LeadWorkflowTests {

}
