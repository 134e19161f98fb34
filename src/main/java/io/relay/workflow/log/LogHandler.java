package io.relay.workflow.log;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.IAdvizeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.stereotype.Component;

/**
 * Writes a one-line summary of every event. On by default; {@code relay.workflows.log.enabled=false} turns it off.
 */
@Component
@ConditionalOnBooleanProperty(name = "relay.workflows.log.enabled", matchIfMissing = true)
class LogHandler implements EventHandler<IAdvizeEvent> {

	private static final Logger logger = LoggerFactory.getLogger(LogHandler.class);

	@Override
	public String name() {
		return "log";
	}

	@Override
	public Class<IAdvizeEvent> eventType() {
		return IAdvizeEvent.class;
	}

	@Override
	public HandlerResult handle(Delivery<IAdvizeEvent> delivery) {
		IAdvizeEvent event = delivery.event();
		logger.info("{} {} platform={} conversation={} visitor={} attempt={}", event.eventType(), event.eventId(),
				event.platform(), event.conversationId(), event.visitorId(), delivery.attempt());
		return HandlerResult.success();
	}

}
