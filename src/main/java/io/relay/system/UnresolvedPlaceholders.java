package io.relay.system;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.core.Ordered;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * Refuses to start when a setting of Relay's, or a credential Relay uses, names a placeholder that nothing resolves
 * ({@code relay.webhook.secrets=${IADVIZE_SECRET}} with no such variable). Spring Boot binds such a value as its own
 * text: the webhook secret would be the placeholder, a value anyone can read in the docs and sign with, and a
 * credential would look configured until its first use. A placeholder with a default ({@code ${NAME:}}) or escaped
 * ({@code \${NAME}}) is left alone.
 * <p>
 * A bean factory post-processor: it runs once every property source is in place (a test's dynamic properties
 * too), before any bean binds its settings and before the server accepts a request.
 */
class UnresolvedPlaceholders implements BeanFactoryPostProcessor, EnvironmentAware, Ordered {

	/** Where Relay's settings and the credentials it depends on live. */
	static final List<String> CHECKED_PREFIXES = List.of("relay.", "spring.security.", "spring.mail.",
			"spring.datasource.", "spring.ssl.", "server.ssl.");

	private static final Pattern PLACEHOLDER = Pattern.compile("(?<!\\\\)\\$\\{([^}]*)}");

	private @Nullable ConfigurableEnvironment environment;

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = (environment instanceof ConfigurableEnvironment configurable) ? configurable : null;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		if (this.environment != null) {
			check(this.environment);
		}
	}

	static void check(ConfigurableEnvironment environment) {
		for (PropertySource<?> source : environment.getPropertySources()) {
			if (!(source instanceof EnumerablePropertySource<?> enumerable)) {
				continue;
			}
			for (String name : enumerable.getPropertyNames()) {
				if (CHECKED_PREFIXES.stream().anyMatch(name::startsWith)
						&& source.getProperty(name) instanceof CharSequence value) {
					String unresolved = unresolved(value.toString(), environment);
					if (unresolved != null) {
						throw new UnresolvedPlaceholderException(name, unresolved, origin(source, name));
					}
				}
			}
		}
	}

	private static @Nullable String unresolved(String value, ConfigurableEnvironment environment) {
		Matcher matcher = PLACEHOLDER.matcher(value);
		while (matcher.find()) {
			String inside = matcher.group(1);
			boolean hasDefault = inside.contains(":");
			if (!hasDefault && !inside.contains("${") && !environment.containsProperty(inside.strip())) {
				return inside.strip();
			}
		}
		return null;
	}

	private static @Nullable String origin(PropertySource<?> source, String name) {
		Origin origin = OriginLookup.getOrigin(source, name);
		return (origin != null) ? origin.toString() : source.getName();
	}

	/** A setting names a placeholder that nothing resolves. Its message names the setting, never its value. */
	static final class UnresolvedPlaceholderException extends IllegalStateException {

		private final String property;

		private final String placeholder;

		UnresolvedPlaceholderException(String property, String placeholder, @Nullable String origin) {
			super(property + ((origin != null) ? " (" + origin + ")" : "") + " refers to ${" + placeholder
					+ "}, which is not set");
			this.property = property;
			this.placeholder = placeholder;
		}

		String property() {
			return this.property;
		}

		String placeholder() {
			return this.placeholder;
		}

	}

	/** Explains the failure at start-up instead of a stack trace. */
	static final class Analyzer extends AbstractFailureAnalyzer<UnresolvedPlaceholderException> {

		@Override
		protected FailureAnalysis analyze(Throwable rootFailure, UnresolvedPlaceholderException cause) {
			return new FailureAnalysis(cause.getMessage() + ". Spring Boot would bind the placeholder's own text as "
					+ "the value: for a secret, a value anyone could sign with; for a credential, one that fails at its "
					+ "first use.", "Set " + cause.placeholder() + " (an environment variable or a property), give the "
							+ "placeholder a default where an empty value is allowed (${" + cause.placeholder()
							+ ":}), or remove " + cause.property() + ".",
					cause);
		}

	}

}
