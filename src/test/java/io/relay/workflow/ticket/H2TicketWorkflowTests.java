package io.relay.workflow.ticket;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:file:./target/h2/ticket-workflow-${random.uuid};WRITE_DELAY=0")
class H2TicketWorkflowTests extends TicketWorkflowTests {

}
