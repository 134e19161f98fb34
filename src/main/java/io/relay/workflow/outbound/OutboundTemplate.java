package io.relay.workflow.outbound;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
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
 * <li>URL: values are percent-encoded, so that a value cannot change the path or add query parameters; a rendered
 * path with a {@code .} or {@code ..} segment, or an empty one the template does not have (a missing value:
 * {@code /contacts/} for {@code /contacts/{{lead.externalId}}}), fails the delivery rather than reach another
 * resource;</li>
 * <li>headers: in values, CR, LF and other control characters become spaces, so that a value cannot add a header,
 * and non-ASCII characters are percent-encoded as UTF-8 (an HTTP header carries ASCII); a header that still renders
 * anything else (through {@code {{{ }}}}) fails the delivery;</li>
 * <li>body: the template is parsed as JSON and rendered as a tree, then serialised by Jackson, so that values are
 * JSON-escaped and the result is always valid JSON.</li>
 * </ul>
 */
public final class OutboundTemplate {

	private static final Set<HttpMethod> METHODS = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

	/** A string that is one variable and nothing else: {@code {{visitor.email}}} or {@code {{{visitor.email}}}}. */
	private static final Pattern LONE_VARIABLE = Pattern
		.compile("^\\{\\{\\{?\\s*([A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*)\\s*}?}}$");

	static final JsonMapper json = JsonMapper.builder().build();

	private static final Mustache.Compiler TEXT = Mustache.compiler()
		.escapeHTML(false)
		.nullValue("")
		.emptyStringIsFalse(true)
		.strictSections(true);

	private static final Mustache.Compiler URL = TEXT
		.withEscaper((raw) -> UriUtils.encode(raw, StandardCharsets.UTF_8));

	private static final Mustache.Compiler HEADER = TEXT.withEscaper(OutboundTemplate::headerValue);

	/** What an HTTP header value may carry: visible ASCII, space and tab. */
	private static final Pattern HEADER_VALUE = Pattern.compile("[\\t\\x20-\\x7E]*");

	private final HttpMethod method;

	private final Template url;

	private final Map<String, Template> headers;

	private final Part body;

	/** The body's strings that no value fills in: the template's own words, not a visitor's. */
	private final Set<String> fixedText;

	/** Whether the template's own path ends with {@code /}: then a rendered path may too. */
	private final boolean trailingSlash;

	/** Whether the template's own path has an empty segment ({@code //}): then empty segments are its own. */
	private final boolean emptySegment;

	private OutboundTemplate(HttpMethod method, Template url, String path, Map<String, Template> headers, Part body,
			Set<String> fixedText) {
		this.method = method;
		this.url = url;
		this.trailingSlash = path.endsWith("/");
		this.emptySegment = path.contains("//");
		this.headers = headers;
		this.body = body;
		this.fixedText = fixedText;
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
		// The template's own path: after the scheme's "//" and the authority, before the query or fragment.
		String withoutQuery = template.url().strip().split("[?#]", 2)[0];
		int authority = withoutQuery.indexOf("//");
		int pathStart = withoutQuery.indexOf('/', (authority >= 0) ? authority + 2 : 0);
		String path = (pathStart >= 0) ? withoutQuery.substring(pathStart) : "";
		Set<String> fixedText = new HashSet<>();
		OutboundTemplate compiled = new OutboundTemplate(method, url, path, Map.copyOf(headers),
				part(tree, prefix + ".body", fixedText), Set.copyOf(fixedText));
		compiled.check(sample, prefix);
		return compiled;
	}

	/**
	 * Renders the request for one delivery.
	 * @throws IllegalStateException when the URL does not render to an absolute http(s) URL, its path has a
	 * {@code .}, {@code ..} or missing segment, or a header renders characters a header cannot carry: no retry
	 * changes that
	 */
	public OutboundRequest render(Map<String, ?> model) {
		return render(model, true);
	}

	private OutboundRequest render(Map<String, ?> model, boolean checkPath) {
		URI uri = absoluteHttpUrl(this.url.execute(model).strip());
		if (checkPath) {
			checkPath(uri);
		}
		Map<String, String> headers = new LinkedHashMap<>();
		this.headers.forEach((name, value) -> {
			String rendered = value.execute(model).strip();
			if (!HEADER_VALUE.matcher(rendered).matches()) {
				// Not the value: it may be personal data, and it goes into the delivery's error.
				throw new HeaderValueException(name);
			}
			headers.put(name, rendered);
		});
		return new OutboundRequest(this.method, uri, headers, json.writeValueAsBytes(this.body.render(model)),
				this.fixedText);
	}

	/** Values are percent-encoded, but {@code .} and {@code ..} are not, and a missing one leaves its segment empty. */
	private void checkPath(URI uri) {
		String path = uri.getRawPath();
		if (path == null || path.isEmpty()) {
			return;
		}
		String[] segments = path.substring(1).split("/", -1);
		for (int i = 0; i < segments.length; i++) {
			String segment = segments[i];
			boolean last = i == segments.length - 1;
			if (segment.equals(".") || segment.equals("..")) {
				throw new IllegalStateException("the URL template rendered a path with a '" + segment
						+ "' segment, which would reach another resource");
			}
			if (segment.isEmpty() && !this.emptySegment && !(last && (this.trailingSlash || segments.length == 1))) {
				throw new IllegalStateException("the URL template rendered '" + OutboundClient.describe(uri)
						+ "', with an empty path segment: a value it needs is missing");
			}
		}
	}

	/** A run of control characters becomes a space (none can add a header); beyond ASCII, percent-encoded. */
	private static String headerValue(String raw) {
		StringBuilder value = new StringBuilder(raw.length());
		raw.codePoints().forEach((codePoint) -> {
			if (codePoint < 0x20 || codePoint == 0x7F) {
				if (value.isEmpty() || value.charAt(value.length() - 1) != ' ') {
					value.append(' ');
				}
			}
			else if (codePoint > 0x7E) {
				value.append(UriUtils.encode(Character.toString(codePoint), StandardCharsets.UTF_8));
			}
			else {
				value.appendCodePoint(codePoint);
			}
		});
		return value.toString();
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
			// Not the path: the sample may leave out a value that deliveries have (an external id, say).
			render(sample, false);
		}
		catch (MustacheException | TemplateVariableException ex) {
			throw new IllegalArgumentException(prefix + ": " + ex.getMessage());
		}
		catch (HeaderValueException ex) {
			throw new IllegalArgumentException(prefix + ".headers." + ex.header() + ": " + ex.getMessage());
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

	/**
	 * The body's template, compiled.
	 * @param fixedText collects the string values no template fills in (rendered as they are)
	 */
	private static Part part(JsonNode node, String property, Set<String> fixedText) {
		if (node.isObject()) {
			Map<String, Part> fields = new LinkedHashMap<>();
			for (Map.Entry<String, JsonNode> field : node.properties()) {
				fields.put(field.getKey(), part(field.getValue(), property, fixedText));
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
				items.add(part(item, property, fixedText));
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
			fixedText.add(text);
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

	/** A header renders characters that an HTTP header cannot carry. */
	static final class HeaderValueException extends IllegalStateException {

		private final String header;

		HeaderValueException(String header) {
			super("the header '" + header + "' renders characters an HTTP header cannot carry (non-ASCII or control "
					+ "characters through {{{ }}}, or in the template's own text)");
			this.header = header;
		}

		String header() {
			return this.header;
		}

	}

	/** A template names something the model does not have. */
	static final class TemplateVariableException extends IllegalStateException {

		TemplateVariableException(String message) {
			super(message);
		}

	}

}
