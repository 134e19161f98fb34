package io.relay.workflow.outbound;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class OutboundTemplateTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private final Map<String, Object> model = model("Ada \"The Countess\" Lovelace\nline two", "ada+crm@example.com");

	@Test
	void aRequestTemplateShowsNeitherItsHeadersValuesNorItsQuery() {
		RequestTemplate template = new RequestTemplate("POST", "https://crm.example.com/contacts?api_key=k-7f3a91&x=1",
				Map.of("X-Crm-Key", "header-key-91c2"), "{\"email\":\"{{visitor.email}}\"}");
		assertThat(template.toString()).contains("https://crm.example.com/contacts?<query hidden>", "X-Crm-Key")
			.doesNotContain("k-7f3a91")
			.doesNotContain("header-key-91c2");
	}

	@Test
	void valuesInTheBodyAreJsonEscapedAndKeepTheirTypeWhenAlone() {
		OutboundTemplate template = compile("POST", "https://crm.example.com/contacts", """
				{"name": "{{visitor.name}}", "email": "{{visitor.email}}", "phone": "{{visitor.phone}}",
				 "ids": "{{event.operatorIds}}", "project": "{{event.projectId}}",
				 "note": "From {{visitor.name}} ({{#visitor.phone}}{{visitor.phone}}{{/visitor.phone}}{{^visitor.phone}}no phone{{/visitor.phone}})",
				 "fixed": [1, true, null, "text"]}""");
		JsonNode body = json.readTree(new String(template.render(this.model).body(), StandardCharsets.UTF_8));
		assertThat(body.get("name").asString()).isEqualTo("Ada \"The Countess\" Lovelace\nline two");
		assertThat(body.get("email").asString()).isEqualTo("ada+crm@example.com");
		assertThat(body.get("phone").isNull()).isTrue();
		assertThat(body.get("ids").isArray()).isTrue();
		assertThat(body.get("ids")).hasSize(2);
		assertThat(body.get("project").isNumber()).isTrue();
		assertThat(body.get("project").asLong()).isEqualTo(1549);
		assertThat(body.get("note").asString()).isEqualTo("From Ada \"The Countess\" Lovelace\nline two (no phone)");
		assertThat(body.get("fixed").toString()).isEqualTo("[1,true,null,\"text\"]");
	}

	@Test
	void valuesInTheUrlArePercentEncodedAndHeadersLoseLineBreaks() {
		Map<String, Object> model = model("Eve\r\nX-Injected: yes", "eve/../admin?x=1&y=2");
		OutboundRequest request = OutboundTemplate.compile(new RequestTemplate("put",
				"https://crm.example.com/contacts/{{visitor.email}}?source=iadvize",
				Map.of("X-Visitor", "{{visitor.name}}"), "{}"), "p", model).render(model);
		assertThat(request.method()).isEqualTo(HttpMethod.PUT);
		assertThat(request.uri().getRawPath()).isEqualTo("/contacts/eve%2F..%2Fadmin%3Fx%3D1%26y%3D2");
		assertThat(request.uri().getRawQuery()).isEqualTo("source=iadvize");
		assertThat(request.headers()).containsEntry("X-Visitor", "Eve X-Injected: yes");
	}

	@Test
	void headerValuesCarryOnlyAsciiAndAnythingElseIsEncodedOrRefused() {
		Map<String, Object> model = model("Łukasz Wąs\u0000\tcafé", "a@example.com");
		OutboundTemplate template = OutboundTemplate.compile(new RequestTemplate("post", "https://crm.example.com/c",
				Map.of("X-Visitor", "{{visitor.name}}"), "{}"), "p", model("Ada", "a@example.com"));
		assertThat(template.render(model).headers()).containsEntry("X-Visitor",
				"%C5%81ukasz W%C4%85s caf%C3%A9");

		OutboundTemplate raw = OutboundTemplate.compile(new RequestTemplate("post", "https://crm.example.com/c",
				Map.of("X-Visitor", "{{{visitor.name}}}"), "{}"), "p", model("Ada", "a@example.com"));
		assertThatIllegalStateException().isThrownBy(() -> raw.render(model))
			.withMessageContaining("'X-Visitor' renders characters an HTTP header cannot carry")
			.withMessageNotContaining("ukasz");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> OutboundTemplate.compile(new RequestTemplate("post", "https://crm.example.com/c",
					Map.of("X-Note", "déjà {{visitor.email}}"), "{}"), "p", model("Ada", "a@example.com")))
			.withMessageStartingWith("p.headers.X-Note: ");
	}

	@Test
	void aPathWithADotSegmentOrAMissingValueFailsTheDelivery() {
		OutboundTemplate template = OutboundTemplate.compile(new RequestTemplate("patch",
				"https://crm.example.com/api/contacts/{{visitor.email}}?source=iadvize", Map.of(), "{}"), "p",
				model("Ada", "a@example.com"));
		assertThat(template.render(model("Ada", "c-42")).uri().getRawPath()).isEqualTo("/api/contacts/c-42");
		assertThatIllegalStateException().isThrownBy(() -> template.render(model("Ada", "..")))
			.withMessageContaining("'..' segment");
		assertThatIllegalStateException().isThrownBy(() -> template.render(model("Ada", ".")))
			.withMessageContaining("'.' segment");
		assertThatIllegalStateException().isThrownBy(() -> template.render(model("Ada", null)))
			.withMessageContaining("'https://crm.example.com/api/contacts/', with an empty path segment")
			.withMessageNotContaining("source=");

		OutboundTemplate slash = OutboundTemplate.compile(new RequestTemplate("post",
				"https://crm.example.com/api/contacts/?email={{visitor.email}}", Map.of(), "{}"), "p",
				model("Ada", "a@example.com"));
		assertThat(slash.render(model("Ada", null)).uri().getRawPath()).isEqualTo("/api/contacts/");
		OutboundTemplate root = OutboundTemplate.compile(new RequestTemplate("post", "https://crm.example.com",
				Map.of(), "{}"), "p", model("Ada", "a@example.com"));
		assertThat(root.render(model("Ada", null)).uri().getHost()).isEqualTo("crm.example.com");
		// An empty segment of the template's own is the target's business.
		OutboundTemplate doubled = OutboundTemplate.compile(new RequestTemplate("post",
				"https://crm.example.com/api//v2/{{visitor.email}}", Map.of(), "{}"), "p",
				model("Ada", "a@example.com"));
		assertThat(doubled.render(model("Ada", "c-1")).uri().getRawPath()).isEqualTo("/api//v2/c-1");
	}

	@Test
	void anUnknownNameStopsStartupWithThePropertyAndTheName() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> compile("POST", "https://crm.example.com", "{\"email\": \"{{visitor.emial}}\"}"))
			.withMessageStartingWith("relay.workflows.x.create: ")
			.withMessageContaining("visitor.emial");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> compile("POST", "https://crm.example.com", "{\"email\": \"Hi {{visitr.email}}\"}"))
			.withMessageStartingWith("relay.workflows.x.create: ")
			.withMessageContaining("visitr");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> compile("POST", "https://crm.example.com/{{nope}}", "{}"))
			.withMessageStartingWith("relay.workflows.x.create: ");
	}

	@Test
	void aBrokenTemplateStopsStartupWithItsProperty() {
		assertThatIllegalArgumentException().isThrownBy(() -> compile("POST", "https://crm.example.com", "{\"a\": "))
			.withMessageStartingWith("relay.workflows.x.create.body must be a JSON document");
		assertThatIllegalArgumentException().isThrownBy(() -> compile("GET", "https://crm.example.com", "{}"))
			.withMessage("relay.workflows.x.create.method must be POST, PUT or PATCH, but was 'GET'");
		assertThatIllegalArgumentException().isThrownBy(() -> compile("POST", null, "{}"))
			.withMessage("relay.workflows.x.create.url is required");
		assertThatIllegalArgumentException().isThrownBy(() -> compile("POST", "ftp://crm.example.com", "{}"))
			.withMessageStartingWith("relay.workflows.x.create.url: ")
			.withMessageContaining("not an absolute http(s) URL");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> compile("POST", "https://crm.example.com", "{\"a\": \"{{#visitor.name}}\"}"))
			.withMessageStartingWith("relay.workflows.x.create.body is not a valid template");
	}

	@Test
	void aUrlThatRendersToNothingUsableIsReportedWithoutItsQuery() {
		Map<String, Object> model = model("Ada", "ada@example.com");
		OutboundTemplate.UrlTemplate url = OutboundTemplate.url("{{{visitor.name}}}", "p.url", model("https://x.example", "a"));
		assertThatIllegalStateException().isThrownBy(() -> url.render(model))
			.withMessageContaining("not an absolute http(s) URL");
	}

	@Test
	void theSampleModelHasEveryDocumentedName() {
		Map<String, Object> sample = TemplateModel.sample().asMap();
		assertThat(sample).containsOnlyKeys("event", "delivery", "conversation", "visitor", "transcript", "operator");
		assertThat(OutboundTemplate.lookup(sample, "visitor.email")).isEqualTo("ada@example.com");
		assertThat(OutboundTemplate.lookup(sample, "conversation.url")).isNotNull();
	}

	private OutboundTemplate compile(String method, String url, String body) {
		return OutboundTemplate.compile(new RequestTemplate(method, url, Map.of(), body), "relay.workflows.x.create",
				this.model);
	}

	private static Map<String, Object> model(String name, String email) {
		Map<String, Object> model = new LinkedHashMap<>(TemplateModel.sample().asMap());
		Map<String, Object> visitor = new LinkedHashMap<>();
		visitor.put("name", name);
		visitor.put("email", email);
		visitor.put("phone", null);
		model.put("visitor", visitor);
		Map<String, Object> event = new LinkedHashMap<>();
		event.put("operatorIds", List.of(15253L, 15254L));
		event.put("projectId", 1549L);
		model.put("event", event);
		return model;
	}

}
