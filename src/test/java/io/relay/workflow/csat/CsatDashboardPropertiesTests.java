package io.relay.workflow.csat;

import java.time.Duration;
import java.time.ZoneId;

import io.relay.dispatch.EventHandler;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class CsatDashboardPropertiesTests {

	private final ApplicationContextRunner contexts = new ApplicationContextRunner()
		.withUserConfiguration(CsatDashboardConfiguration.class);

	@Test
	void defaultsSuitAFiveStarSurvey() {
		this.contexts.run((context) -> {
			CsatDashboardProperties properties = context.getBean(CsatDashboardProperties.class);
			assertThat(properties.enabled()).isTrue();
			assertThat(properties.scaleMax()).isEqualTo(5);
			assertThat(properties.commentsShown()).isEqualTo(20);
			assertThat(properties.defaultDays()).isEqualTo(30);
			assertThat(properties.timeZone()).isEqualTo(ZoneId.of("UTC"));
			assertThat(properties.pollInterval()).isEqualTo(Duration.ofSeconds(5));
		});
	}

	@Test
	void settingsBindFromTheirProperties() {
		this.contexts
			.withPropertyValues("relay.workflows.csat-dashboard.scale-max=10",
					"relay.workflows.csat-dashboard.comments-shown=0",
					"relay.workflows.csat-dashboard.time-zone=Europe/Paris",
					"relay.workflows.csat-dashboard.default-days=7")
			.run((context) -> {
				CsatDashboardProperties properties = context.getBean(CsatDashboardProperties.class);
				assertThat(properties.scaleMax()).isEqualTo(10);
				assertThat(properties.commentsShown()).isZero();
				assertThat(properties.timeZone()).isEqualTo(ZoneId.of("Europe/Paris"));
				assertThat(properties.defaultDays()).isEqualTo(7);
			});
	}

	@Test
	void badValuesStopStartupNamingTheProperty() {
		assertFailure("relay.workflows.csat-dashboard.scale-max=1",
				"relay.workflows.csat-dashboard.scale-max must be between 2 and 10, but was 1");
		assertFailure("relay.workflows.csat-dashboard.comments-shown=201",
				"relay.workflows.csat-dashboard.comments-shown must be between 0 and 200, but was 201");
		assertFailure("relay.workflows.csat-dashboard.default-days=0",
				"relay.workflows.csat-dashboard.default-days must be between 1 and 366, but was 0");
		assertFailure("relay.workflows.csat-dashboard.poll-interval=10ms",
				"relay.workflows.csat-dashboard.poll-interval must be at least 100ms, but was PT0.01S");
		this.contexts.withPropertyValues("relay.workflows.csat-dashboard.time-zone=Mars/Olympus")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("Failed to bind properties under 'relay.workflows.csat-dashboard.time-zone'"));
	}

	@Test
	void disabledTheWorkflowHasNoBeanAtAll() {
		new ApplicationContextRunner()
			.withUserConfiguration(CsatDashboardConfiguration.class, CsatDashboardHandler.class,
					DashboardController.class, DashboardUpdates.class, Summaries.class, Answers.class,
					Conversations.class)
			.withPropertyValues("relay.workflows.csat-dashboard.enabled=false")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).doesNotHaveBean(CsatDashboardProperties.class);
				assertThat(context).doesNotHaveBean(EventHandler.class);
				assertThat(context).doesNotHaveBean(DashboardController.class);
				assertThat(context).doesNotHaveBean(DashboardUpdates.class);
				assertThat(context).doesNotHaveBean(Answers.class);
			});
	}

	private void assertFailure(String property, String message) {
		this.contexts.withPropertyValues(property)
			.run((context) -> assertThat(context).hasFailed().getFailure().rootCause().hasMessage(message));
	}

}
