package io.relay.workflow.survey;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:mem:survey;DB_CLOSE_DELAY=-1")
class H2SurveyTests extends SurveyTests {

}
