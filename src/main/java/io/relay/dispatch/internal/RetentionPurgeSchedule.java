package io.relay.dispatch.internal;

import io.relay.system.PurgeSchedule;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;

/** Runs the {@link RetentionPurge} every {@code relay.dispatch.purge-interval}, first soon after start. */
@Component
class RetentionPurgeSchedule implements SchedulingConfigurer {

	private final RetentionPurge purge;

	private final DispatchProperties properties;

	RetentionPurgeSchedule(RetentionPurge purge, DispatchProperties properties) {
		this.purge = purge;
		this.properties = properties;
	}

	@Override
	public void configureTasks(ScheduledTaskRegistrar tasks) {
		tasks.addFixedRateTask(PurgeSchedule.everyInterval(this.purge::run, this.properties.purgeInterval()));
	}

}
