package io.relay.webhook;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:file:./target/h2/webhook-intake-${random.uuid};WRITE_DELAY=0")
class H2WebhookIntakeTests extends WebhookIntakeTests {

}
