package io.relay;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code relay.*} property that the configuration metadata lists (generated from the
 * {@code @ConfigurationProperties} records at compile time) has a row in a table of {@code docs/}: its own
 * ({@code | `relay.iadvize.max-answer-size` | ...}), one with placeholders
 * ({@code relay.workflows.<name>.http.read-timeout}, a map's {@code relay.workflows.survey.languages.<projectId>}), or
 * a wildcard row ({@code relay.workflows.lead.create.*}) whose rest of the name the same section of the page names
 * ({@code `url`}, {@code `http.auth.type`}). A new property without documentation fails here, and so does a row
 * naming a property (exactly or through placeholders) whose default column no longer shows the record's default.
 */
class ConfigurationDocsTests {

	/** The first cell of a table row, when it names a property. */
	private static final Pattern ROW = Pattern.compile(
			"^\\|\\s*`(relay\\.[A-Za-z0-9.<>*_-]+)[^|]*(?:\\|([^|\\n]*))?", Pattern.MULTILINE);

	private static final Pattern CODE = Pattern.compile("`([^`\\s]+)`");

	private static final Pattern PLACEHOLDER = Pattern.compile("<[^>]+>");

	/** The metadata and the pages, read once for the tests that check one against the other. */
	private static List<Property> properties;

	private static Documentation pages;

	@BeforeAll
	static void read() throws IOException {
		properties = relayProperties();
		pages = Documentation.read(Path.of("docs"));
	}

	@Test
	void everyRelayPropertyHasARowInTheDocumentation() {
		assertThat(properties).as("relay.* properties in the configuration metadata").hasSizeGreaterThan(100);
		assertThat(properties).allSatisfy((property) -> assertThat(pages.covers(property))
			.as("%s has a row in docs/ (configuration.md or the pages it links)", property.name())
			.isTrue());
	}

	@Test
	void aRowThatNamesAPropertyShowsTheDefaultItHas() {
		List<Property> withDefaults = properties.stream().filter((property) -> property.defaultValue() != null)
			.toList();

		assertThat(withDefaults.stream().mapToLong((property) -> pages.defaultsShown(property).size()).sum())
			.as("default cells checked").isGreaterThan(70);
		assertThat(withDefaults).allSatisfy((property) -> assertThat(pages.defaultsShown(property))
			.as("the default column of %s's rows", property.name())
			.allSatisfy((cell) -> assertThat(Documentation.shows(cell, property.defaultValue()))
				.as("%s's default %s in the row's cell %s", property.name(), property.defaultValue(), cell)
				.isTrue()));
	}

	@Test
	void aRowCoversAPropertyByItsNameAPlaceholderOrAWildcardWhoseRestIsNamedAndShowsADefaultAsCode() {
		Property timeout = new Property("relay.workflows.lead.http.read-timeout", "java.time.Duration");
		Property languages = new Property("relay.workflows.survey.languages",
				"java.util.Map<java.lang.Long,java.lang.String>");

		assertThat(docs("| `relay.workflows.lead.http.read-timeout` |").covers(timeout)).isTrue();
		assertThat(docs("| `relay.workflows.<name>.http.read-timeout` | `10s` |").covers(timeout)).isTrue();
		assertThat(docs("| `relay.workflows.lead.http.*` | |", "| `read-timeout` | `10s` |").covers(timeout)).isTrue();
		assertThat(docs("| `relay.workflows.lead.*` | |", "| `http.read-timeout` |").covers(timeout)).isTrue();
		assertThat(docs("| `relay.workflows.survey.languages.<projectId>` | none |").covers(languages)).isTrue();

		assertThat(docs("| `relay.workflows.lead.http.*` | Timeouts: see below |").covers(timeout)).isFalse();
		assertThat(docs("## lead", "| `relay.workflows.lead.*` | |", "## ticket", "| `http.read-timeout` |")
			.covers(timeout)).as("named in another section only").isFalse();
		assertThat(docs("| `relay.workflows.<name>.http.read-timeout` | `10s` |").defaultsShown(timeout))
			.containsExactly(" `10s` ");
		assertThat(docs("| `relay.workflows.lead.http.read-timeouts` |").covers(timeout)).isFalse();
		assertThat(docs("| `relay.workflows.<name>.http.connect-timeout` |").covers(timeout)).isFalse();
		assertThat(docs("Set `relay.workflows.lead.http.read-timeout` higher.").covers(timeout)).isFalse();
		assertThat(docs("| `relay.workflows.survey.language` |").covers(languages)).isFalse();

		assertThat(Documentation.shows(" `2.0` ", "2")).isTrue();
		assertThat(Documentation.shows(" `15m` ", "5m")).isFalse();
		assertThat(Documentation.shows(" (none) ", "5m")).isFalse();
	}

	private static Documentation docs(String... lines) {
		return Documentation.of(String.join("\n", lines));
	}

	private static List<Property> relayProperties() throws IOException {
		JsonNode metadata;
		try (InputStream in = ConfigurationDocsTests.class
			.getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(in).as("the metadata the configuration processor generates").isNotNull();
			metadata = JsonMapper.builder().build().readTree(in);
		}
		List<Property> properties = new ArrayList<>();
		for (JsonNode property : metadata.get("properties")) {
			String name = property.get("name").asString();
			if (name.startsWith("relay.")) {
				JsonNode value = property.get("defaultValue");
				String defaultValue = (value == null) ? null : value.isArray()
						? value.valueStream().map(JsonNode::asString).collect(Collectors.joining(","))
						: value.asString();
				properties.add(new Property(name, property.path("type").asString(""), defaultValue));
			}
		}
		return properties;
	}

	record Property(String name, String type, @Nullable String defaultValue) {

		Property(String name, String type) {
			this(name, type, null);
		}

		boolean isMap() {
			return this.type.startsWith("java.util.Map");
		}

	}

	/** A table row that names a property: its first cell, its second (the default), and its section's code spans. */
	record Row(String name, String defaultCell, Set<String> sectionCode) {

		boolean isWildcard() {
			return this.name.endsWith(".*");
		}

		/**
		 * Whether this row covers the property. A wildcard row covers the names whose rest its own section of the
		 * page names ({@code `url`} for {@code relay.workflows.lead.create.url}): a row pointing to another page
		 * covers nothing by itself.
		 */
		boolean covers(Property property) {
			if (property.isMap() && this.name.startsWith(property.name() + ".<")) {
				return true;
			}
			if (isWildcard()) {
				Matcher rest = Pattern.compile(toPattern(this.name.substring(0, this.name.length() - 2)) + "\\.(.+)")
					.matcher(property.name());
				return rest.matches() && this.sectionCode.stream()
					.anyMatch((span) -> span.equals(rest.group(1)) || span.endsWith("." + rest.group(1)));
			}
			return names(property);
		}

		/** Whether the row names the property itself, exactly or through placeholders (so its default is shown). */
		boolean names(Property property) {
			return !isWildcard() && property.name().matches(toPattern(this.name));
		}

		/** The row's name as a pattern: a {@code <placeholder>} stands for one segment. */
		private static String toPattern(String row) {
			StringBuilder pattern = new StringBuilder();
			Matcher placeholder = PLACEHOLDER.matcher(row);
			int last = 0;
			while (placeholder.find()) {
				pattern.append(Pattern.quote(row.substring(last, placeholder.start()))).append("[^.]+");
				last = placeholder.end();
			}
			return pattern.append(Pattern.quote(row.substring(last))).toString();
		}

	}

	/** The rows of the documentation's tables that name a property. */
	record Documentation(List<Row> rows) {

		/** A page's top-level sections: its title and each {@code ##} heading start one. */
		private static final Pattern SECTION = Pattern.compile("^(?=#{1,2} )", Pattern.MULTILINE);

		/** The documentation pages: the benchmarks' history is not documentation. */
		static Documentation read(Path directory) throws IOException {
			List<Row> rows = new ArrayList<>();
			try (Stream<Path> pages = Files.list(directory)) {
				for (Path page : pages.filter((path) -> path.getFileName().toString().endsWith(".md"))
					.filter((path) -> !path.getFileName().toString().startsWith("benchmarks"))
					.sorted()
					.toList()) {
					rows.addAll(of(Files.readString(page, StandardCharsets.UTF_8)).rows());
				}
			}
			return new Documentation(rows);
		}

		static Documentation of(String page) {
			List<Row> rows = new ArrayList<>();
			for (String section : SECTION.split(page)) {
				Set<String> code = CODE.matcher(section).results().map((span) -> span.group(1))
					.collect(Collectors.toSet());
				ROW.matcher(section).results()
					.forEach((row) -> rows.add(new Row(row.group(1), Objects.toString(row.group(2), ""), code)));
			}
			return new Documentation(rows);
		}

		boolean covers(Property property) {
			return this.rows.stream().anyMatch((row) -> row.covers(property));
		}

		/** The default cells of the rows that name this property (exactly or through placeholders). */
		List<String> defaultsShown(Property property) {
			return this.rows.stream().filter((row) -> row.names(property)).map(Row::defaultCell).toList();
		}

		/** Whether a default cell shows the value: one of its code spans is it (numbers compared as numbers). */
		static boolean shows(String cell, String value) {
			return CODE.matcher(cell).results().map((span) -> span.group(1)).anyMatch((span) -> span.equals(value)
					|| (isNumber(span) && isNumber(value) && new BigDecimal(span).compareTo(new BigDecimal(value)) == 0));
		}

		private static boolean isNumber(String text) {
			return text.matches("-?\\d+(\\.\\d+)?");
		}

	}

}
