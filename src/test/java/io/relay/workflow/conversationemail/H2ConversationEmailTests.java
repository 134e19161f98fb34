package io.relay.workflow.conversationemail;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:mem:conversation-email;DB_CLOSE_DELAY=-1")
class H2ConversationEmailTests extends ConversationEmailTests {

}
