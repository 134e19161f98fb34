package io.relay.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every key in Relay's own configuration files is one Spring Boot (or Relay) knows and has not retired. Boot 4
 * silently ignores a renamed property: {@code management.tracing.enabled: false} once left tracing on at full
 * sampling while the file said it was off.
 */
class ApplicationPropertiesTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@ParameterizedTest
	@ValueSource(strings = { "application.yml", "application-postgres.yml", "application-tls.yml" })
	void everyKeyIsKnownAndNotRetired(String file) throws IOException {
		Map<String, JsonNode> known = knownProperties();
		List<String> problems = new ArrayList<>();
		for (String key : keys(file)) {
			JsonNode property = find(known, key);
			if (property == null) {
				problems.add(key + " is not a known property");
			}
			else if (property.has("deprecation")) {
				problems.add(key + " is deprecated: " + property.get("deprecation"));
			}
		}
		assertThat(problems).as("keys in %s", file).isEmpty();
	}

	@Test
	void everyRelayPropertyTheDocsListIsKnownSoThatIdesCompleteIt() throws IOException {
		Map<String, JsonNode> known = knownProperties();
		Pattern row = Pattern.compile("^\\| `(relay\\.[^`]+)`", Pattern.MULTILINE);
		List<String> documented = new ArrayList<>();
		try (Stream<Path> docs = Files.list(Path.of("docs"))) {
			for (Path doc : docs.filter((path) -> path.toString().endsWith(".md")).toList()) {
				Matcher matcher = row.matcher(Files.readString(doc));
				while (matcher.find()) {
					documented.add(matcher.group(1));
				}
			}
		}
		assertThat(documented).hasSizeGreaterThan(100);
		assertThat(documented).filteredOn((key) -> !isKnown(known, key)).isEmpty();
	}

	/** A property, or a pattern of them ({@code relay.workflows.<name>.http.read-timeout}, {@code relay.x.*}). */
	private static boolean isKnown(Map<String, JsonNode> known, String documented) {
		// An entry of a map property (relay.dispatch.handlers.<name>.*), with a sample key in the placeholder's place.
		if (find(known, documented.replaceAll("<[^>]+>", "x").replaceAll("\\.\\*$", ".x")) != null) {
			return true;
		}
		if (!documented.contains("<") && !documented.endsWith(".*")) {
			return false;
		}
		String pattern = Pattern.quote(documented).replaceAll("<[^>]+>", "\\\\E[^.]+\\\\Q")
			.replace(".*\\E", "\\E\\..+");
		return known.keySet().stream().anyMatch((name) -> name.matches(pattern));
	}

	@ParameterizedTest
	@ValueSource(strings = { "management.tracing.enabled", "no.such.property" })
	void theCheckRejectsRetiredAndUnknownKeys(String key) throws IOException {
		JsonNode property = find(knownProperties(), key);
		assertThat(property == null || property.has("deprecation")).isTrue();
	}

	/** The key itself, or the map property it is an entry of (logging.level.x, spring.mail.properties[x]...). */
	private static JsonNode find(Map<String, JsonNode> known, String key) {
		String candidate = key;
		while (true) {
			JsonNode property = known.get(candidate);
			if (property != null) {
				boolean exact = candidate.equals(key);
				return (exact || property.path("type").asString("").startsWith("java.util.Map")) ? property : null;
			}
			int cut = Math.max(candidate.lastIndexOf('.'), candidate.lastIndexOf('['));
			if (cut <= 0) {
				return null;
			}
			candidate = candidate.substring(0, cut);
		}
	}

	private static Map<String, JsonNode> knownProperties() throws IOException {
		Map<String, JsonNode> known = new HashMap<>();
		Resource[] metadata = new PathMatchingResourcePatternResolver()
			.getResources("classpath*:META-INF/spring-configuration-metadata.json");
		assertThat(metadata).hasSizeGreaterThan(10);
		for (Resource resource : metadata) {
			try (InputStream in = resource.getInputStream()) {
				for (JsonNode property : json.readTree(in).path("properties")) {
					known.putIfAbsent(property.get("name").asString(), property);
				}
			}
		}
		return known;
	}

	private static List<String> keys(String file) {
		YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
		yaml.setResources(new ClassPathResource(file));
		Properties properties = yaml.getObject();
		assertThat(properties).isNotEmpty();
		// Lists come out as key[0], key[1]: the property is the key without the index. (Not stringPropertyNames():
		// it leaves out every key whose value is a number or a boolean.)
		return properties.keySet().stream().map((key) -> ((String) key).replaceAll("\\[\\d+]$", "")).distinct()
			.sorted().toList();
	}

}
