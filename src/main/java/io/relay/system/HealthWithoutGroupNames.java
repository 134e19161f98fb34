package io.relay.system;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.actuate.endpoint.jackson.EndpointJsonMapper;
import org.springframework.boot.health.actuate.endpoint.SystemHealthDescriptor;
import org.springframework.stereotype.Component;

/**
 * Leaves the names of the health groups out of {@code /actuator/health}, so that it answers exactly
 * {@code {"status":"UP"}} to a caller who is not shown its components (iAdvize's app health check expects that
 * body); an authenticated caller still sees every component.
 * <p>
 * Spring Boot lists the groups ({@code liveness}, {@code readiness}: the probes Relay enables) in the root health
 * answer whenever there are any, whatever {@code show-components} says. The list tells a caller nothing about
 * Relay's state, and the groups still answer at their own paths. The change is made to the actuator's own
 * {@link EndpointJsonMapper} (Boot's default, {@code management.endpoints.jackson.isolated-json-mapper=true}), so
 * Relay's other answers are not affected.
 */
@Component
class HealthWithoutGroupNames implements BeanPostProcessor {

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof EndpointJsonMapper endpointMapper) {
			var withoutGroupNames = endpointMapper.get()
				.rebuild()
				.addMixIn(SystemHealthDescriptor.class, GroupNamesLeftOut.class)
				.build();
			return (EndpointJsonMapper) () -> withoutGroupNames;
		}
		return bean;
	}

	@JsonIgnoreProperties("groups")
	private interface GroupNamesLeftOut {

	}

}
