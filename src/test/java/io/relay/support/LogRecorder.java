package io.relay.support;

import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Records what one class logs, whatever level an earlier test in the same JVM left its logger at (a Boot context
 * started with {@code logging.level.io.relay=ERROR} keeps that level after it closes). Close it to restore.
 */
public final class LogRecorder implements AutoCloseable {

	private final Logger logger;

	private final Level previousLevel;

	private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

	private LogRecorder(Class<?> source, Level level) {
		this.logger = (Logger) LoggerFactory.getLogger(source);
		this.previousLevel = this.logger.getLevel();
		this.logger.setLevel(level);
		this.appender.start();
		this.logger.addAppender(this.appender);
	}

	/** Records what {@code source} logs at {@code level} and above. */
	public static LogRecorder of(Class<?> source, Level level) {
		return new LogRecorder(source, level);
	}

	/** The formatted messages logged so far at {@code level}. */
	public List<String> messages(Level level) {
		return this.appender.list.stream()
			.filter((event) -> event.getLevel().equals(level))
			.map(ILoggingEvent::getFormattedMessage)
			.toList();
	}

	@Override
	public void close() {
		this.logger.detachAppender(this.appender);
		this.logger.setLevel(this.previousLevel);
	}

}
