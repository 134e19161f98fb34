package io.relay.workflow.lead;

import io.relay.support.TestPostgres;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

class PostgresLeadWorkflowTests extends LeadWorkflowTests {

	@DynamicPropertySource
	static void postgres(DynamicPropertyRegistry registry) {
		String url = TestPostgres.newDatabase("lead");
		registry.add("spring.datasource.url", () -> url);
		registry.add("spring.datasource.username", TestPostgres::username);
		registry.add("spring.datasource.password", TestPostgres::password);
	}

}
