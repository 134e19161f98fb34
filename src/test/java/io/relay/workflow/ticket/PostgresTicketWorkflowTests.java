package io.relay.workflow.ticket;

import io.relay.support.TestPostgres;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

class PostgresTicketWorkflowTests extends TicketWorkflowTests {

	@DynamicPropertySource
	static void postgres(DynamicPropertyRegistry registry) {
		String url = TestPostgres.newDatabase("ticket");
		registry.add("spring.datasource.url", () -> url);
		registry.add("spring.datasource.username", TestPostgres::username);
		registry.add("spring.datasource.password", TestPostgres::password);
	}

}
