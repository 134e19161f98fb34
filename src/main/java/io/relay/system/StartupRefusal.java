package io.relay.system;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Relay refuses to start because of its settings: shown as Spring Boot's "APPLICATION FAILED TO START" block (what
 * is wrong, what to do) rather than at the end of a stack trace a screen long. The words never quote a secret.
 */
public class StartupRefusal extends IllegalStateException {

	private final String description;

	private final String action;

	/**
	 * @param description what is wrong, naming the settings
	 * @param action what to do about it
	 */
	public StartupRefusal(String description, String action) {
		super(description + " " + action);
		this.description = description;
		this.action = action;
	}

	public String description() {
		return this.description;
	}

	public String action() {
		return this.action;
	}

	static final class Analyzer extends AbstractFailureAnalyzer<StartupRefusal> {

		@Override
		protected FailureAnalysis analyze(Throwable rootFailure, StartupRefusal cause) {
			return new FailureAnalysis(cause.description(), cause.action(), cause);
		}

	}

}
