package io.relay.system;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.Ordered;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.util.PlaceholderResolutionException;
import org.springframework.util.PropertyPlaceholderHelper;
import org.springframework.util.SystemPropertyUtils;

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

	/** Spring's own syntax (escape, default separator), failing on the first placeholder that nothing resolves. */
	private static final PropertyPlaceholderHelper PLACEHOLDERS = new PropertyPlaceholderHelper(
			SystemPropertyUtils.PLACEHOLDER_PREFIX, SystemPropertyUtils.PLACEHOLDER_SUFFIX,
			SystemPropertyUtils.VALUE_SEPARATOR, SystemPropertyUtils.ESCAPE_CHARACTER, false);

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
		// Through Boot's view of the sources: environment variables by the property they set (RELAY_WEBHOOK_SECRETS
		// is relay.webhook.secrets), and each property only in the source that wins, as the binder reads it.
		Set<ConfigurationPropertyName> seen = new HashSet<>();
		// A list is bound from the first source that sets it, whole: a file's secrets[0] is not used when an
		// environment variable sets relay.webhook.secrets (maps, by contrast, are merged key by key).
		Set<ConfigurationPropertyName> listsSetAbove = new HashSet<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.from(environment.getPropertySources())) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			Set<ConfigurationPropertyName> listsSetHere = new HashSet<>();
			for (ConfigurationPropertyName name : iterable) {
				List<ConfigurationPropertyName> lists = listsOf(name);
				listsSetHere.addAll(lists);
				if (!seen.add(name) || lists.stream().anyMatch(listsSetAbove::contains)
						|| CHECKED_PREFIXES.stream().noneMatch(name.toString()::startsWith)) {
					continue;
				}
				ConfigurationProperty property = source.getConfigurationProperty(name);
				if (property != null && property.getValue() instanceof CharSequence value) {
					String unresolved = unresolved(value.toString(), environment);
					if (unresolved != null) {
						throw new UnresolvedPlaceholderException(name.toString(), unresolved,
								(property.getOrigin() != null) ? property.getOrigin().toString() : null);
					}
				}
			}
			listsSetAbove.addAll(listsSetHere);
		}
	}

	/**
	 * The lists a property may set: itself (a comma-separated value), and each list it is an element of
	 * ({@code a.b} for {@code a.b[0].c}).
	 */
	private static List<ConfigurationPropertyName> listsOf(ConfigurationPropertyName name) {
		List<ConfigurationPropertyName> lists = new ArrayList<>();
		lists.add(name);
		for (int element = 1; element < name.getNumberOfElements(); element++) {
			if (name.isNumericIndex(element)) {
				lists.add(name.chop(element));
			}
		}
		return lists;
	}

	/**
	 * The first placeholder written in {@code value} that nothing resolves: a default used is looked at in turn
	 * ({@code ${A:${B}}} with neither set names {@code B}). The value of a property that is set is not: a password
	 * given as {@code ${DB_PASSWORD}} may contain {@code ${} as text (Boot binds it as it is), and a piece of it
	 * must never show in the failure.
	 */
	private static @Nullable String unresolved(String value, ConfigurableEnvironment environment) {
		try {
			PLACEHOLDERS.replacePlaceholders(value, (name) -> environment.containsProperty(name) ? "" : null);
			return null;
		}
		catch (PlaceholderResolutionException ex) {
			// Its message quotes the value: only the placeholder's name leaves this method.
			return ex.getPlaceholder();
		}
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
