package io.relay.workflow.outbound;

import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * One request as configured: every value but the method is a <a href="https://mustache.github.io">Mustache</a>
 * template over the workflow's model ({@code {{visitor.email}}}...). See {@link OutboundTemplate} for how each part
 * is rendered and escaped.
 *
 * @param method {@code POST}, {@code PUT} or {@code PATCH}
 * @param url the target URL; substituted values are percent-encoded
 * @param headers extra request headers (use {@code [Header-Name]} keys in YAML to keep their spelling); substituted
 * values lose any line break
 * @param body the JSON body: a JSON document whose string values may hold templates. A string that is exactly one
 * {@code {{name}}} becomes that value with its JSON type (number, list, {@code null}...); any other string is
 * rendered as text. Values are always JSON-escaped.
 */
public record RequestTemplate(@DefaultValue("POST") String method, @Nullable String url,
		@DefaultValue Map<String, String> headers, @Nullable String body) {

	public RequestTemplate {
		headers = new LinkedHashMap<>(headers);
	}

	/** Whether anything was configured for this request. */
	public boolean isConfigured() {
		return this.url != null || this.body != null;
	}

	/**
	 * Headers may hold credentials typed in by hand: only their names are shown; so may the URL's query (an API key
	 * in it): only the URL up to it is.
	 */
	@Override
	public String toString() {
		String shown = (this.url != null && this.url.indexOf('?') >= 0)
				? this.url.substring(0, this.url.indexOf('?')) + "?<query hidden>" : this.url;
		return "RequestTemplate[method=" + this.method + ", url=" + shown + ", headers=" + this.headers.keySet()
				+ ", body=" + ((this.body != null) ? "<" + this.body.length() + " chars>" : "<none>") + "]";
	}

}
