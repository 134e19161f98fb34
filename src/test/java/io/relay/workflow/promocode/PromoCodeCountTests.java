package io.relay.workflow.promocode;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.relay.support.AdminClient;
import io.relay.support.Fixtures;
import io.relay.support.IAdvizeStubs;
import io.relay.support.TestSmtp;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The free codes are counted on schedule, not after each delivery (a count reads every free code), and shown empty
 * as soon as a delivery finds the pool so. The schedule is an hour here: only the deliveries move the figure.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "spring.security.user.name=" + AdminClient.USER,
				"spring.security.user.password=" + AdminClient.PASSWORD, "relay.dispatch.poll-interval=50ms",
				"spring.datasource.url=jdbc:h2:mem:promo-code-count;DB_CLOSE_DELAY=-1",
				"relay.workflows.log.enabled=false", "relay.workflows.promo-code.enabled=true",
				"relay.workflows.promo-code.from=offers@example.com", "relay.workflows.promo-code.campaign=count",
				"relay.workflows.promo-code.stats-interval=1h",
				"relay.workflows.promo-code.empty-pool-retry-interval=1h" })
class PromoCodeCountTests {

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance().options(IAdvizeStubs.wireMock()).build();

	static final TestSmtp smtp = TestSmtp.start();

	final IAdvizeStubs stubs = new IAdvizeStubs(iadvize);

	@LocalServerPort
	int port;

	@Autowired
	PromoCodeStats stats;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		new IAdvizeStubs(iadvize).register(registry);
		smtp.register(registry);
	}

	@Test
	void aDeliveryDoesNotCountThePoolButOneThatFindsItEmptySaysSo() {
		AdminClient admin = AdminClient.onPort(this.port);
		admin.send("POST", "/admin/api/promo-codes/count", "text/csv", "COUNT-0001".getBytes(StandardCharsets.UTF_8));
		this.stats.refresh();
		assertThat(available(admin)).isEqualTo(1);

		Fixtures.Event served = close(admin);
		admin.awaitDelivery(served.eventId(), "promo-code", "SUCCEEDED");
		// The code is gone, but nothing counted: the figure is the schedule's.
		assertThat(available(admin)).isEqualTo(1);

		Fixtures.Event unserved = close(admin);
		JsonNode waiting = admin.awaitDelivery(unserved.eventId(), "promo-code", "FAILED");
		assertThat(waiting.get("lastError").asString()).startsWith("the promo code pool of campaign 'count' is empty");
		JsonNode health = health(admin);
		assertThat(health.get("details").get("available").asLong()).isZero();
		assertThat(health.get("details").get("pool").asString()).isEqualTo("empty");
	}

	private Fixtures.Event close(AdminClient admin) {
		String visitor = IAdvizeStubs.newVisitorId();
		this.stubs.login();
		this.stubs.visitor(visitor, "count." + visitor + "@example.net", "Ada");
		Fixtures.Event close = IAdvizeStubs.closed(UUID.randomUUID().toString(), visitor);
		assertThat(WebhookClient.onPort(this.port).deliver(close.body()).statusCode()).isEqualTo(202);
		return close;
	}

	private static long available(AdminClient admin) {
		return health(admin).get("details").get("available").asLong();
	}

	private static JsonNode health(AdminClient admin) {
		return AdminClient.read(admin.send("GET", "/actuator/health/promoCodes", null, null).body());
	}

}
