package io.relay.workflow.promocode;

import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:mem:promo-code;DB_CLOSE_DELAY=-1")
class H2PromoCodeTests extends PromoCodeTests {

}
