package io.relay.iadvize;

import java.io.InputStream;
import java.time.Duration;
import java.util.stream.StreamSupport;

import io.relay.iadvize.internal.IAdvizeConfiguration;
import io.relay.iadvize.internal.IAdvizeProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code relay.iadvize.*}: the documented defaults, refused values, and no secret in {@code toString()}.
 */
@ExtendWith(OutputCaptureExtension.class)
class IAdvizePropertiesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(IAdvizeConfiguration.class);

	@Test
	void defaultsAreTheDocumentedOnes() {
		this.runner.run((context) -> {
			IAdvizeProperties properties = context.getBean(IAdvizeProperties.class);
			assertThat(properties.rest().baseUrl()).isEqualTo("https://{platform}.iadvize.com/api/2");
			assertThat(properties.rest().apiKey()).isNull();
			assertThat(properties.rest().maxConcurrentRequests()).isEqualTo(8);
			assertThat(properties.graphql().url()).isEqualTo("https://api.iadvize.com/graphql");
			assertThat(properties.graphql().tokenUrl()).isEqualTo("https://api.iadvize.com/oauth2/token");
			assertThat(properties.graphql().maxConcurrentRequests()).isEqualTo(4);
			assertThat(properties.graphql().tokenRefreshMargin()).isEqualTo(Duration.ofMinutes(5));
			assertThat(properties.graphql().maxLoginsPerMinute()).isEqualTo(5);
			assertThat(properties.connectTimeout()).isEqualTo(Duration.ofSeconds(2));
			assertThat(properties.readTimeout()).isEqualTo(Duration.ofSeconds(10));
			assertThat(properties.callTimeout()).isEqualTo(Duration.ofMinutes(2));
			assertThat(properties.deliveryTimeout()).isEqualTo(Duration.ofMinutes(3));
			assertThat(properties.retry().maxAttempts()).isEqualTo(3);
			assertThat(properties.retry().initialDelay()).isEqualTo(Duration.ofMillis(200));
			assertThat(properties.retry().multiplier()).isEqualTo(2.0);
			assertThat(properties.retry().maxDelay()).isEqualTo(Duration.ofSeconds(5));
			assertThat(properties.cache().visitorTtl()).isEqualTo(Duration.ofSeconds(60));
			assertThat(properties.cache().visitorMaxSize()).isEqualTo(10_000);
			assertThat(properties.maxAnswerSize()).isEqualTo(DataSize.ofMegabytes(4));
		});
	}

	@Test
	void invalidValuesStopStartupNamingTheProperty() {
		assertRefused("relay.iadvize.retry.max-attempts=0", "maxAttempts");
		assertRefused("relay.iadvize.graphql.max-logins-per-minute=11", "maxLoginsPerMinute");
		assertRefused("relay.iadvize.rest.base-url=ftp://example.com", "relay.iadvize.rest.base-url");
		assertRefused("relay.iadvize.graphql.token-url=not a url", "relay.iadvize.graphql.token-url");
		assertRefused("relay.iadvize.graphql.url=https://{platform}.iadvize.com/graphql",
				"relay.iadvize.graphql.url cannot use {platform}");
		assertRefused("relay.iadvize.graphql.token-url=https://{platform}.iadvize.com/oauth2/token",
				"relay.iadvize.graphql.token-url cannot use {platform}");
		assertRefused("relay.iadvize.graphql.token-url=https://api.iadvize.com/{oauth}/token",
				"relay.iadvize.graphql.token-url must be an http(s) URL");
		assertRefused("relay.iadvize.read-timeout=0s", "relay.iadvize.read-timeout");
		assertRefused("relay.iadvize.call-timeout=0s", "relay.iadvize.call-timeout must be positive");
		assertRefused("relay.iadvize.delivery-timeout=0s", "relay.iadvize.delivery-timeout must be positive");
		assertRefused("relay.iadvize.retry.multiplier=0.5", "relay.iadvize.retry.multiplier");
		assertRefused("relay.iadvize.cache.visitor-ttl=-1s", "relay.iadvize.cache.visitor-ttl");
		assertRefused("relay.iadvize.max-answer-size=100B", "relay.iadvize.max-answer-size must be at least 1KB");
	}

	@Test
	void lookupsThatCouldOutlastTheLeaseAreWarnedAbout(CapturedOutput output) {
		String warning = "not under relay.dispatch.lease";
		// The defaults: 3 minutes, plus twice 12 s of request timeouts, within the lease's default 5 minutes.
		this.runner.run((context) -> assertThat(context).hasNotFailed());
		// 275 s + 24 s: 299 s.
		this.runner.withPropertyValues("relay.iadvize.delivery-timeout=275s")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).doesNotContain(warning);
		this.runner.withPropertyValues("relay.iadvize.delivery-timeout=276s")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).contains("may take PT5M (relay.iadvize.delivery-timeout or call-timeout, plus twice "
				+ "connect-timeout and read-timeout), not under relay.dispatch.lease (PT5M)");
		// A call-timeout longer than the delivery's counts; so does a lease set shorter.
		this.runner.withPropertyValues("relay.iadvize.call-timeout=6m")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).contains("may take PT6M24S");
		this.runner.withPropertyValues("relay.dispatch.lease=200s")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).contains("may take PT3M24S", "not under relay.dispatch.lease (PT3M20S)");
	}

	@Test
	void theLeaseTakenWhenUnsetIsTheDispatchersDefault() throws Exception {
		// IAdvizeConfiguration reads relay.dispatch.lease by name, with a copy of its default (this module does not
		// see the dispatcher's settings): the warning above assumes 5 minutes, so the dispatcher's must be that too.
		try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("the configuration metadata").isNotNull();
			JsonNode lease = StreamSupport.stream(JsonMapper.shared().readTree(metadata).get("properties").spliterator(),
					false)
				.filter((property) -> property.get("name").asString().equals("relay.dispatch.lease"))
				.findFirst()
				.orElseThrow();
			assertThat(lease.get("defaultValue").asString()).isEqualTo("5m");
		}
	}

	@Test
	void toStringHidesTheCredentials() {
		this.runner
			.withPropertyValues("relay.iadvize.rest.api-key=key-0123456789", "relay.iadvize.graphql.username=bot@shop.example",
					"relay.iadvize.graphql.password=password-0123456789")
			.run((context) -> assertThat(context.getBean(IAdvizeProperties.class).toString())
				.contains("apiKey=<hidden>", "password=<hidden>", "username=<hidden>")
				.doesNotContain("key-0123456789", "bot@shop.example", "password-0123456789"));
	}

	private void assertRefused(String property, String named) {
		this.runner.withPropertyValues(property).run((context) -> {
			assertThat(context).hasFailed();
			StringBuilder messages = new StringBuilder();
			for (Throwable cause = context.getStartupFailure(); cause != null; cause = cause.getCause()) {
				messages.append(cause.getMessage()).append('\n');
			}
			assertThat(messages.toString()).as(property).contains(named);
		});
	}

}
