package io.relay.workflow.promocode;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.relay.support.AdminClient;
import io.relay.support.Fixtures;
import io.relay.support.IAdvizeStubs;
import io.relay.support.TestSmtp;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The waits of the promo-code workflow: for a {@code transaction.attributed} event when the campaign requires one,
 * and for codes when the pool is empty; the pool's health as it empties and fills.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "spring.security.user.name=" + AdminClient.USER,
				"spring.security.user.password=" + AdminClient.PASSWORD, "relay.dispatch.poll-interval=50ms",
				"spring.datasource.url=jdbc:h2:mem:promo-code-conditions;DB_CLOSE_DELAY=-1",
				"relay.workflows.log.enabled=false", "relay.workflows.promo-code.enabled=true",
				"relay.workflows.promo-code.from=offers@example.com", "relay.workflows.promo-code.campaign=conditions",
				"relay.workflows.promo-code.require-transaction=true",
				// Real time: the first test's transaction must come within it (on a slow machine too), the second
				// waits it out.
				"relay.workflows.promo-code.transaction-wait=8s",
				"relay.workflows.promo-code.transaction-check-interval=100ms",
				"relay.workflows.promo-code.empty-pool-retry-interval=100ms",
				"relay.workflows.promo-code.low-threshold=2", "relay.workflows.promo-code.stats-interval=100ms",
				"relay.dispatch.handlers.promo-code.max-attempts=1000" })
class PromoCodeConditionsTests {

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance().options(IAdvizeStubs.wireMock()).build();

	static final TestSmtp smtp = TestSmtp.start();

	final IAdvizeStubs stubs = new IAdvizeStubs(iadvize);

	@LocalServerPort
	int port;

	WebhookClient webhook;

	AdminClient admin;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		new IAdvizeStubs(iadvize).register(registry);
		smtp.register(registry);
	}

	@BeforeEach
	void clients() {
		this.webhook = WebhookClient.onPort(this.port);
		this.admin = AdminClient.onPort(this.port);
	}

	@Test
	void aCodeWaitsForATransactionThenForCodesInThePool() {
		String visitor = IAdvizeStubs.newVisitorId();
		String email = "buyer." + visitor + "@example.net";
		this.stubs.visitor(visitor, email, "Ada");
		String conversation = UUID.randomUUID().toString();
		Fixtures.Event close = IAdvizeStubs.closed(conversation, visitor);
		assertThat(this.webhook.deliver(close.body()).statusCode()).isEqualTo(202);
		await().until(() -> this.admin.delivery(close.eventId(), "promo-code"),
				(delivery) -> delivery != null && delivery.get("attempts").asInt() >= 2 && delivery.get("lastError")
					.asString("")
					.startsWith("waiting for a transaction to be attributed to the conversation"));

		Fixtures.Event transaction = Fixtures.withFreshId("transaction.attributed.json");
		String body = transaction.body().replace("2d90a8a2-16df-45f5-897e-31adf9aa165d", conversation);
		assertThat(this.webhook.deliver(body).statusCode()).isEqualTo(202);
		this.admin.awaitDelivery(transaction.eventId(), "promo-code-transactions", "SUCCEEDED");
		await().until(() -> this.admin.delivery(close.eventId(), "promo-code").get("lastError").asString(""),
				(error) -> error.startsWith("the promo code pool of campaign 'conditions' is empty"));
		await().until(() -> health().get("details").get("pool").asString(), "empty"::equals);

		this.admin.send("POST", "/admin/api/promo-codes/conditions", "text/csv",
				"COND-0001\nCOND-0002\nCOND-0003".getBytes(StandardCharsets.UTF_8));
		this.admin.awaitDelivery(close.eventId(), "promo-code", "SUCCEEDED");
		assertThat(smtp.messagesTo(email)).hasSize(1);
		await().until(() -> health().get("details").get("pool").asString(), "low"::equals);
		assertThat(health().get("details").get("available").asInt()).isEqualTo(2);
	}

	@Test
	void withoutATransactionWithinTheWaitTheDeliveryIsSkipped() {
		String visitor = IAdvizeStubs.newVisitorId();
		this.stubs.visitor(visitor, "window." + visitor + "@example.net", "Ada");
		Fixtures.Event close = IAdvizeStubs.closed(UUID.randomUUID().toString(), visitor);
		assertThat(this.webhook.deliver(close.body()).statusCode()).isEqualTo(202);
		JsonNode delivery = this.admin.awaitDelivery(close.eventId(), "promo-code", "SKIPPED");
		assertThat(delivery.get("lastError").asString()).isEqualTo("no transaction was attributed to the conversation "
				+ "within relay.workflows.promo-code.transaction-wait (PT8S)");
	}

	private JsonNode health() {
		return AdminClient.read(this.admin.send("GET", "/actuator/health/promoCodes", null, null).body());
	}

}
