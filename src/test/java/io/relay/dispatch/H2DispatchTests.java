package io.relay.dispatch;

import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

@Import(DispatchTestsHandlers.class)
@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:file:./target/h2/dispatch-${random.uuid};WRITE_DELAY=0")
class H2DispatchTests extends DispatchTests {

}
