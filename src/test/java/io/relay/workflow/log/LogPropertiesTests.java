package io.relay.workflow.log;

import java.util.List;
import java.util.UUID;

import io.relay.RelayApplication;
import io.relay.dispatch.EventHandler;
import io.relay.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * {@code relay.workflows.log.enabled} as the application reads it: on by default, off with {@code false}, and a value
 * that is not a boolean stops startup instead of turning the workflow off unnoticed.
 */
class LogPropertiesTests {

	@Test
	void theLogWorkflowIsOnByDefaultAndOffWithFalse() {
		try (ConfigurableApplicationContext relay = start()) {
			assertThat(relay.getBean(LogProperties.class).enabled()).isTrue();
			assertThat(handlerNames(relay)).contains("log");
		}
		try (ConfigurableApplicationContext relay = start("--relay.workflows.log.enabled=false")) {
			assertThat(relay.getBean(LogProperties.class).enabled()).isFalse();
			assertThat(handlerNames(relay)).doesNotContain("log");
		}
	}

	@Test
	void aValueThatIsNotABooleanStopsStartupNamingTheProperty() {
		assertThatException().isThrownBy(() -> start("--relay.workflows.log.enabled=nope").close())
			.withStackTraceContaining("relay.workflows.log.enabled");
	}

	private static ConfigurableApplicationContext start(String... more) {
		String[] arguments = { "--server.port=0", "--relay.webhook.secrets=" + WebhookClient.SECRET,
				"--spring.datasource.url=jdbc:h2:mem:log-properties-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1" };
		String[] all = new String[arguments.length + more.length];
		System.arraycopy(arguments, 0, all, 0, arguments.length);
		System.arraycopy(more, 0, all, arguments.length, more.length);
		return new SpringApplicationBuilder(RelayApplication.class).run(all);
	}

	private static List<String> handlerNames(ConfigurableApplicationContext relay) {
		return relay.getBeansOfType(EventHandler.class).values().stream().map(EventHandler::name).toList();
	}

}
