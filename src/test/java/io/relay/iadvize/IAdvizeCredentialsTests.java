package io.relay.iadvize;

import io.relay.iadvize.internal.IAdvizeConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A workflow that needs an API refuses to start without its credentials, and says which property to set.
 */
class IAdvizeCredentialsTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withUserConfiguration(IAdvizeConfiguration.class);

	@Test
	void aWorkflowThatNeedsRestStopsStartupWithoutTheApiKey() {
		this.runner.withUserConfiguration(RestWorkflow.class).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).rootCause()
				.isInstanceOf(IllegalStateException.class)
				.hasMessageContaining("Workflow 'email-on-close'")
				.hasMessageContaining("relay.iadvize.rest.api-key is not set")
				.hasMessageContaining("RELAY_IADVIZE_REST_API_KEY");
		});
	}

	@Test
	void aBlankApiKeyIsAMissingOne() {
		this.runner.withUserConfiguration(RestWorkflow.class)
			.withPropertyValues("relay.iadvize.rest.api-key=  ")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessageContaining("relay.iadvize.rest.api-key is not set");
			});
	}

	@Test
	void aWorkflowThatNeedsRestStartsWithTheApiKey() {
		this.runner.withUserConfiguration(RestWorkflow.class)
			.withPropertyValues("relay.iadvize.rest.api-key=a-key-123456")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(RestWorkflow.class);
				assertThat(context.getBean(IAdvizeCredentials.class).hasRestApi()).isTrue();
				assertThat(context.getBean(IAdvizeCredentials.class).hasGraphQlApi()).isFalse();
			});
	}

	@Test
	void aWorkflowThatNeedsGraphQlNamesOnlyWhatIsMissing() {
		this.runner.withUserConfiguration(GraphQlWorkflow.class)
			.withPropertyValues("relay.iadvize.graphql.username=bot@example.com")
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("Workflow 'transcript-archive'")
				.hasMessageContaining("relay.iadvize.graphql.password is not set")
				.hasMessageNotContaining("relay.iadvize.graphql.username"));
		this.runner.withUserConfiguration(GraphQlWorkflow.class)
			.run((context) -> assertThat(context.getStartupFailure()).rootCause()
				.hasMessageContaining("relay.iadvize.graphql.username and relay.iadvize.graphql.password are not set"));
	}

	@Test
	void aWorkflowThatNeedsGraphQlStartsWithUserAndPassword() {
		this.runner.withUserConfiguration(GraphQlWorkflow.class)
			.withPropertyValues("relay.iadvize.graphql.username=bot@example.com",
					"relay.iadvize.graphql.password=secret-123456")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void withoutWorkflowsNoCredentialIsRequired() {
		this.runner.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(IAdvizeEnrichment.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class RestWorkflow {

		RestWorkflow(IAdvizeCredentials credentials) {
			credentials.requireRestApi("email-on-close");
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class GraphQlWorkflow {

		@Bean
		String transcriptArchive(IAdvizeCredentials credentials) {
			credentials.requireGraphQlApi("transcript-archive");
			return "enabled";
		}

	}

}
