package io.relay.system;

import java.io.IOException;
import java.io.InputStream;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Warns at startup about every {@code relay.*} setting that names no property of Relay's ({@code relay.webhok.secrets},
 * {@code RELAY_DISPATCH_WORKERZ}): Spring Boot ignores them without a word, so a misspelt key leaves the default in
 * place (for the webhook's secrets, a generated one). Known properties are those of the configuration metadata in
 * the jar; under a map or a list (header names, list elements) anything goes, but for the handlers' settings
 * ({@code relay.dispatch.handlers.<handler>.<setting>}, the settings of {@code relay.dispatch.defaults}). An
 * environment variable that a setting names as a placeholder ({@code RELAY_DB_URL} in the {@code postgres} profile)
 * is not a setting of its own, and another one is named only when it is within two edits of a property (a variable
 * of the prefix may be there for something else: a script's own). A setting that is neither close to a property nor among Relay's own
 * groups is a workflow's of one's own ({@code relay.workflows.closed-chats.enabled}, as docs/handlers.md shows), left
 * alone. A warning, not a failure, for the same reason.
 */
class UnknownSettings implements BeanFactoryPostProcessor, EnvironmentAware {

	private static final Logger logger = LoggerFactory.getLogger(UnknownSettings.class);

	private static final String PREFIX = "relay.";

	private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}:]+)");

	/**
	 * A map of one handler's settings each, {@code relay.dispatch.handlers.<handler>.<setting>}, the settings being
	 * those of {@link #HANDLER_DEFAULTS}: a name not so is lost without a word, like
	 * {@code RELAY_DISPATCH_HANDLERS_CSAT_DASHBOARD_MAXATTEMPTS} (an underscore where the dash was: no dash fits in a
	 * variable's name), and is named even as a variable (the prefix is Relay's own).
	 */
	private static final ConfigurationPropertyName HANDLERS = ConfigurationPropertyName.of("relay.dispatch.handlers");

	private static final ConfigurationPropertyName HANDLER_DEFAULTS = ConfigurationPropertyName
		.of("relay.dispatch.defaults");

	private @Nullable ConfigurableEnvironment environment;

	@Override
	public void setEnvironment(Environment environment) {
		this.environment = (environment instanceof ConfigurableEnvironment configurable) ? configurable : null;
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		Map<ConfigurationPropertyName, Boolean> known = knownProperties();
		if (this.environment != null && !known.isEmpty()) {
			Map<String, String> unknown;
			try {
				unknown = find(this.environment, known);
			}
			catch (RuntimeException ex) {
				// A warning's search must never stop a start (a setting's name Spring Boot reads oddly).
				logger.debug("Could not look for unknown settings", ex);
				return;
			}
			if (!unknown.isEmpty()) {
				logger.warn("Ignoring {} setting(s) that name no property of Relay's (misspelt? see "
						+ "docs/configuration.md): {}", unknown.size(), describe(unknown));
			}
		}
	}

	/** The unknown {@code relay.*} settings, each with where it was set. */
	static Map<String, String> find(ConfigurableEnvironment environment, Map<ConfigurationPropertyName, Boolean> known) {
		Set<String> placeholders = placeholders(environment);
		Set<ConfigurationPropertyName> groups = new HashSet<>();
		known.keySet().forEach((property) -> groups.add(property.getParent()));
		Map<String, String> unknown = new TreeMap<>();
		for (ConfigurationPropertySource source : ConfigurationPropertySources.from(environment.getPropertySources())) {
			if (!(source instanceof IterableConfigurationPropertySource iterable)) {
				continue;
			}
			boolean variables = source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource;
			for (ConfigurationPropertyName name : iterable) {
				if (!name.toString().startsWith(PREFIX) || isKnown(name, known, variables)) {
					continue;
				}
				if (variables && isKnownWithUnderscoresForDashes(name, known)) {
					continue;
				}
				ConfigurationProperty property = source.getConfigurationProperty(name);
				Origin origin = (property != null) ? property.getOrigin() : null;
				if (origin instanceof PropertySourceOrigin variable
						&& placeholders.contains(variable.getPropertyName())) {
					continue;
				}
				String nearest = nearest(name.toString(), known.keySet());
				// Named when it looks like a misspelt property, or sits among Relay's own (relay.dispatch.workerz);
				// not a setting of a workflow of one's own (relay.workflows.closed-chats.enabled, handlers.md), nor
				// an environment variable of the prefix there for something else (RELAY_HOME, a script's own).
				if (nearest == null && (variables || !groups.contains(name.getParent()))
						&& !HANDLERS.isAncestorOf(name)) {
					continue;
				}
				unknown.putIfAbsent(name.toString(), ((origin != null) ? origin.toString() : "unknown origin")
						+ ((nearest != null) ? "; did you mean " + nearest + "?" : ""));
			}
		}
		return unknown;
	}

	/**
	 * Whether {@code name} is a property, or lies under one that is a map or a collection.
	 * @param known every property, with whether it is a map or a collection
	 */
	private static boolean isKnown(ConfigurationPropertyName name, Map<ConfigurationPropertyName, Boolean> known,
			boolean variable) {
		if (known.containsKey(name)) {
			return true;
		}
		if (HANDLERS.isAncestorOf(name)) {
			int handler = HANDLERS.getNumberOfElements();
			if (name.getNumberOfElements() == handler + 1) {
				// An entry of its own (a YAML block left empty, "crm:"): nothing to bind, nothing lost.
				return true;
			}
			// A variable has underscores where a setting has dashes (RELAY_DISPATCH_HANDLERS_LEAD_MAX_ATTEMPTS): its
			// elements after the handler's name are one setting; under the handler's own dash they are not. In a
			// file, one element is one setting (relay.dispatch.handlers.lead.max.attempts binds nothing).
			if (!variable && name.getNumberOfElements() != handler + 2) {
				return false;
			}
			return isKnownProperty(HANDLER_DEFAULTS + "." + withDashes(name, handler + 1), known);
		}
		for (ConfigurationPropertyName parent = name.getParent(); !parent.isEmpty(); parent = parent.getParent()) {
			if (Boolean.TRUE.equals(known.get(parent))) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether a variable's name, read with underscores where a property has dashes, is a property's: Spring Boot binds
	 * {@code RELAY_DISPATCH_SHUTDOWN_TIMEOUT} to {@code relay.dispatch.shutdown-timeout} (as it does the canonical
	 * {@code RELAY_DISPATCH_SHUTDOWNTIMEOUT}), which reads as {@code relay.dispatch.shutdown.timeout}.
	 */
	private static boolean isKnownWithUnderscoresForDashes(ConfigurationPropertyName name,
			Map<ConfigurationPropertyName, Boolean> known) {
		for (int from = name.getNumberOfElements() - 2; from >= 1; from--) {
			if (isKnownProperty(name.chop(from) + "." + withDashes(name, from), known)) {
				return true;
			}
		}
		return false;
	}

	/** The elements of {@code name} from {@code from} on, as one element with dashes between them. */
	private static String withDashes(ConfigurationPropertyName name, int from) {
		List<String> elements = new ArrayList<>();
		for (int i = from; i < name.getNumberOfElements(); i++) {
			elements.add(name.getElement(i, ConfigurationPropertyName.Form.UNIFORM));
		}
		return String.join("-", elements);
	}

	/** Whether {@code name} is a valid name and a known property's (an odd element makes it neither). */
	private static boolean isKnownProperty(String name, Map<ConfigurationPropertyName, Boolean> known) {
		ConfigurationPropertyName property = ConfigurationPropertyName.ofIfValid(name);
		return property != null && known.containsKey(property);
	}

	/**
	 * The known property at most {@value Misspellings#MAX_TYPOS} edits away from {@code name}, the closest; else
	 * {@code null}.
	 */
	static @Nullable String nearest(String name, Set<ConfigurationPropertyName> known) {
		String nearest = null;
		int best = Misspellings.MAX_TYPOS + 1;
		for (ConfigurationPropertyName candidate : known) {
			int distance = Misspellings.distance(name, candidate.toString(), best);
			if (distance < best) {
				best = distance;
				nearest = candidate.toString();
			}
		}
		return nearest;
	}

	/** The names used as placeholders in any setting's value: an environment variable read through one of them. */
	private static Set<String> placeholders(ConfigurableEnvironment environment) {
		Set<String> names = new HashSet<>();
		for (PropertySource<?> source : environment.getPropertySources()) {
			if (source instanceof EnumerablePropertySource<?> enumerable) {
				for (String name : enumerable.getPropertyNames()) {
					if (enumerable.getProperty(name) instanceof CharSequence value) {
						Matcher placeholder = PLACEHOLDER.matcher(value);
						while (placeholder.find()) {
							names.add(placeholder.group(1).strip());
						}
					}
				}
			}
		}
		return names;
	}

	/** Relay's properties from the configuration metadata in the jar, each with whether it is a map or a collection. */
	static Map<ConfigurationPropertyName, Boolean> knownProperties() {
		Map<ConfigurationPropertyName, Boolean> known = new HashMap<>();
		JsonMapper json = JsonMapper.builder().build();
		try {
			for (Resource resource : relaysMetadata()) {
				try (InputStream in = resource.getInputStream()) {
					for (JsonNode property : json.readTree(in).path("properties")) {
						String name = property.path("name").asString("");
						if (name.startsWith(PREFIX) && ConfigurationPropertyName.isValid(name)) {
							String type = property.path("type").asString("");
							known.merge(ConfigurationPropertyName.of(name), isContainer(type), Boolean::logicalOr);
						}
					}
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			logger.debug("Could not read the configuration metadata: unknown settings are not looked for", ex);
			return Map.of();
		}
		return known;
	}

	/**
	 * The metadata next to Relay's own classes (a directory, the jar, or its nested classes), where every relay.*
	 * property is: the dependencies' thirty files (half a megabyte) took 0.6 s of every start to read. All of them
	 * when it cannot be told which is Relay's.
	 */
	private static List<Resource> relaysMetadata() throws IOException {
		Resource[] all = new PathMatchingResourcePatternResolver()
			.getResources("classpath*:META-INF/spring-configuration-metadata.json");
		CodeSource code = UnknownSettings.class.getProtectionDomain().getCodeSource();
		String home = (code != null && code.getLocation() != null) ? code.getLocation().getPath() : null;
		List<Resource> own = new ArrayList<>();
		for (Resource resource : all) {
			if (home != null && !home.isEmpty() && resource.getURL().toString().contains(home)) {
				own.add(resource);
			}
		}
		return own.isEmpty() ? List.of(all) : own;
	}

	private static boolean isContainer(String type) {
		return type.startsWith("java.util.Map") || type.startsWith("java.util.List") || type.startsWith("java.util.Set")
				|| type.startsWith("java.util.Collection") || type.endsWith("[]");
	}

	private static String describe(Map<String, String> unknown) {
		List<String> lines = new ArrayList<>();
		unknown.forEach((name, origin) -> lines.add(name + " (" + origin + ")"));
		return String.join(", ", lines);
	}

}
