package io.relay.workflow.outbound;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpMethod;
import org.springframework.web.util.UriUtils;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A {@link RequestTemplate}, compiled once at startup, rendered for each delivery. Templates are JMustache
 * templates over a model of nested maps ({@link TemplateModel}), strict about names: a name the model does not have
 * stops startup (checked by rendering a sample model), while a name whose value is absent renders as nothing (or
 * {@code null} in a JSON value of its own).
 * <ul>
 * <li>URL: values are percent-encoded, so that a value cannot change the path or add query parameters;</li>
 * <li>headers: values lose CR and LF, so that a value cannot add a header;</li>
 * <li>body: the template is parsed as JSON and rendered as a tree, then serialised by Jackson, so that values are
 * JSON-escaped and the result is always valid JSON.</li>
 * </ul>
 */
public final class OutboundTemplate {

	private static final Set<HttpMethod> METHODS = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

	/** A string that is one variable and nothing else: {@code {{visitor.email}}} or {@code {{{visitor.email}}}}. */
	private static final Pattern LONE_VARIABLE = Pattern
		.compile("^\\{\\{\\{?\\s*([A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*)\\s*}?}}$");

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final Mustache.Compiler TEXT = Mustache.compiler()
		.escapeHTML(false)
		.nullValue("")
		.emptyStringIsFalse(true)
		.strictSections(true);

	private static final Mustache.Compiler URL = TEXT
		.withEscaper((raw) -> UriUtils.encode(raw, StandardCharsets.UTF_8));

	private static final Mustache.Compiler HEADER = TEXT.withEscaper((raw) -> raw.replaceAll("[\\r\\n]+", " "));

	private final HttpMethod method;

	private final Template url;

	private final Map<String, Template> headers;

	private final Part body;

	private OutboundTemplate(HttpMethod method, Template url, Map<String, Template> headers, Part body) {
		this.method = method;
		this.url = url;
		this.headers = headers;
		this.body = body;
	}

	/**
	 * Compiles a template and renders it once with {@code sample}, a model with every name the workflow provides.
	 * @param prefix the template's property prefix, for the messages
	 * @throws IllegalArgumentException naming the property at fault
	 */
	public static OutboundTemplate compile(RequestTemplate template, String prefix, Map<String, ?> sample) {
		HttpMethod method = HttpMethod.valueOf(template.method().strip().toUpperCase(Locale.ROOT));
		if (!METHODS.contains(method)) {
			throw new IllegalArgumentException(prefix + ".method must be POST, PUT or PATCH, but was '"
					+ template.method() + "'");
		}
		if (template.url() == null || template.url().isBlank()) {
			throw new IllegalArgumentException(prefix + ".url is required");
		}
		if (template.body() == null || template.body().isBlank()) {
			throw new IllegalArgumentException(prefix + ".body is required (a JSON document)");
		}
		Template url = compile(URL, template.url(), prefix + ".url");
		Map<String, Template> headers = new LinkedHashMap<>();
		template.headers().forEach((name, value) -> {
			if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
				throw new IllegalArgumentException(prefix + ".headers has an invalid header name '" + name + "'");
			}
			headers.put(name, compile(HEADER, value, prefix + ".headers." + name));
		});
		JsonNode tree;
		try {
			tree = json.readTree(template.body());
		}
		catch (JacksonException ex) {
			throw new IllegalArgumentException(prefix + ".body must be a JSON document (with templates in its string "
					+ "values), but it cannot be parsed: " + ex.getOriginalMessage());
		}
		OutboundTemplate compiled = new OutboundTemplate(method, url, Map.copyOf(headers),
				part(tree, prefix + ".body"));
		compiled.check(sample, prefix);
		return compiled;
	}

	/**
	 * Renders the request for one delivery.
	 * @throws IllegalStateException when the URL does not render to an absolute http(s) URL
	 */
	public OutboundRequest render(Map<String, ?> model) {
		URI uri = absoluteHttpUrl(this.url.execute(model).strip());
		Map<String, String> headers = new LinkedHashMap<>();
		this.headers.forEach((name, value) -> headers.put(name, value.execute(model).strip()));
		return new OutboundRequest(this.method, uri, headers, json.writeValueAsBytes(this.body.render(model)));
	}

	/**
	 * A URL template on its own (a link to put in a body, say), rendered like a request's URL: values
	 * percent-encoded, the result an absolute http(s) URL.
	 * @param property the template's property, for the messages
	 * @throws IllegalArgumentException naming the property when the template is invalid or names something
	 * {@code sample} does not have
	 */
	public static UrlTemplate url(String template, String property, Map<String, ?> sample) {
		UrlTemplate url = new UrlTemplate(compile(URL, template, property));
		try {
			url.render(sample);
		}
		catch (MustacheException | IllegalArgumentException | IllegalStateException ex) {
			throw new IllegalArgumentException(property + ": " + ex.getMessage());
		}
		return url;
	}

	private static URI absoluteHttpUrl(String target) {
		URI uri;
		try {
			uri = new URI(target);
		}
		catch (URISyntaxException ex) {
			// The reason only: the input may hold a key in its query.
			throw new IllegalStateException("the URL template rendered an invalid URL (" + ex.getReason() + ")");
		}
		if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
			throw new IllegalStateException("the URL template rendered '" + OutboundClient.describe(uri)
					+ "', which is not an absolute http(s) URL");
		}
		return uri;
	}

	private void check(Map<String, ?> sample, String prefix) {
		try {
			render(sample);
		}
		catch (MustacheException | TemplateVariableException ex) {
			throw new IllegalArgumentException(prefix + ": " + ex.getMessage());
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			throw new IllegalArgumentException(prefix + ".url: " + ex.getMessage());
		}
	}

	private static Template compile(Mustache.Compiler compiler, String template, String property) {
		try {
			return compiler.compile(template);
		}
		catch (MustacheException ex) {
			throw new IllegalArgumentException(property + " is not a valid template: " + ex.getMessage());
		}
	}

	private static Part part(JsonNode node, String property) {
		if (node.isObject()) {
			Map<String, Part> fields = new LinkedHashMap<>();
			for (Map.Entry<String, JsonNode> field : node.properties()) {
				fields.put(field.getKey(), part(field.getValue(), property));
			}
			return (model) -> {
				ObjectNode object = JsonNodeFactory.instance.objectNode();
				fields.forEach((name, value) -> object.set(name, value.render(model)));
				return object;
			};
		}
		if (node.isArray()) {
			List<Part> items = new ArrayList<>();
			for (JsonNode item : node) {
				items.add(part(item, property));
			}
			return (model) -> {
				ArrayNode array = JsonNodeFactory.instance.arrayNode();
				items.forEach((item) -> array.add(item.render(model)));
				return array;
			};
		}
		if (node.isString()) {
			String text = node.asString();
			Matcher lone = LONE_VARIABLE.matcher(text.strip());
			if (lone.matches()) {
				String path = lone.group(1);
				return (model) -> {
					Object value = lookup(model, path);
					return (value != null) ? json.valueToTree(value) : JsonNodeFactory.instance.nullNode();
				};
			}
			if (text.contains("{{")) {
				Template template = compile(TEXT, text, property);
				return (model) -> JsonNodeFactory.instance.stringNode(template.execute(model));
			}
		}
		JsonNode constant = node.deepCopy();
		return (model) -> constant;
	}

	/** A dotted name in nested maps: strict about names, lenient about absent values. */
	static @Nullable Object lookup(Map<String, ?> model, String path) {
		Object current = model;
		for (String name : path.split("\\.")) {
			if (current == null) {
				return null;
			}
			if (!(current instanceof Map<?, ?> map) || !map.containsKey(name)) {
				throw new TemplateVariableException("No variable named '" + path + "' (unknown: '" + name + "')");
			}
			current = map.get(name);
		}
		return current;
	}

	/** A compiled URL template. */
	public static final class UrlTemplate {

		private final Template template;

		private UrlTemplate(Template template) {
			this.template = template;
		}

		/**
		 * @throws IllegalStateException when the result is not an absolute http(s) URL
		 */
		public URI render(Map<String, ?> model) {
			return absoluteHttpUrl(this.template.execute(model).strip());
		}

	}

	@FunctionalInterface
	private interface Part {

		JsonNode render(Map<String, ?> model);

	}

	/** A template names something the model does not have. */
	static final class TemplateVariableException extends IllegalStateException {

		TemplateVariableException(String message) {
			super(message);
		}

	}

}
