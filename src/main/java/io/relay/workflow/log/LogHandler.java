package io.relay.workflow.log;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.EventHandler;
import io.relay.dispatch.HandlerResult;
import io.relay.event.IAdvizeEvent;
import io.relay.system.LogText;
import org.jspecify.annotations.Nullable;
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

	private static final int MAX_ID_LENGTH = 255;

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
		// The ids come from the payload as sent: a line break or a terminal escape in one must not forge a log line.
		logger.info("{} {} platform={} conversation={} visitor={} attempt={}", printable(event.eventType()),
				printable(event.eventId()), event.platform(), printable(event.conversationId()),
				printable(event.visitorId()), delivery.attempt());
		return HandlerResult.success();
	}

	/** The ids whole (up to the 255 characters Relay stores of one), as printable ASCII. */
	private static @Nullable String printable(@Nullable String text) {
		return (text != null) ? LogText.printable(text, MAX_ID_LENGTH) : null;
	}

}
