package io.relay.admin;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.method.HandlerMethod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** The parameters as the container decoded them, from the query and a form body alike; see also DispatchTests. */
class KnownParametersTests {

	private final KnownParameters interceptor = new KnownParameters();

	@Test
	void theParametersAnEndpointTakesPass() throws Exception {
		assertThat(preHandle("replay", "status", "handler")).isTrue();
		assertThat(preHandle("replay", "handler")).as("by the name the annotation gives").isTrue();
		assertThat(preHandle("replay")).isTrue();
	}

	@Test
	void anyOtherIsRefusedNamingTheOnesTaken() {
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle("replay", "status", "handlr"))
			.satisfies((ex) -> assertThat(ex.getBody().getDetail())
				.isEqualTo("Unknown parameter 'handlr': this endpoint takes status, handler"))
			.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(400));
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle("replay", "ignored"))
			.as("the Java name of a parameter the annotation names otherwise")
			.withMessageContaining("Unknown parameter 'ignored'");
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle("none", "page"))
			.satisfies((ex) -> assertThat(ex.getBody().getDetail())
				.isEqualTo("Unknown parameter 'page': this endpoint takes none"));
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle("named", "else"))
			.as("a named Map binds that one parameter")
			.withMessageContaining("this endpoint takes filters");
	}

	@Test
	void anEndpointThatTakesAMapOfParametersTakesThemAll() throws Exception {
		assertThat(preHandle("all", "anything", "else")).isTrue();
	}

	@Test
	void whatIsNotAControllerMethodIsLeftAlone() throws Exception {
		assertThat(this.interceptor.preHandle(request("anything"), new MockHttpServletResponse(), new Object()))
			.isTrue();
	}

	@Test
	void aBodyTheEndpointDoesNotReadIsRefused() throws Exception {
		MockHttpServletRequest json = request();
		json.setContentType("application/json");
		json.setContent("{\"handler\":\"lead\"}".getBytes(StandardCharsets.UTF_8));
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle("replay", json))
			.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(415))
			.satisfies((ex) -> assertThat(ex.getBody().getDetail()).isEqualTo("This endpoint reads no application/json "
					+ "body: give its parameters in the query string (status, handler) or as a form "
					+ "(application/x-www-form-urlencoded)"));
		MockHttpServletRequest chunked = request();
		chunked.setContentType("text/plain");
		chunked.addHeader("Transfer-Encoding", "chunked");
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle("none", chunked))
			.withMessageContaining("reads no text/plain body: give its parameters in the query string or as a form");
		MockHttpServletRequest form = request("handler");
		form.setContentType("application/x-www-form-urlencoded; charset=UTF-8");
		form.setContent("handler=x".getBytes(StandardCharsets.UTF_8));
		assertThat(preHandle("replay", form)).as("a form's fields are its parameters").isTrue();
		MockHttpServletRequest multipart = request("handler");
		multipart.setContentType("multipart/form-data; boundary=x");
		multipart.setContent("--x\r\n".getBytes(StandardCharsets.UTF_8));
		assertThat(preHandle("replay", multipart)).as("curl -F: its fields are parameters too").isTrue();
		for (String reader : List.of("body", "part", "request", "consuming")) {
			assertThat(preHandle(reader, json)).as(reader).isTrue();
		}
		MockHttpServletRequest empty = request();
		empty.setContentType("application/json");
		empty.setContent(new byte[0]);
		assertThat(preHandle("replay", empty)).as("no body").isTrue();
	}

	@Test
	void aParameterGivenTwiceIsRefused() throws Exception {
		MockHttpServletRequest twice = request();
		twice.addParameter("status", "DEAD", "FAILED");
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle("replay", twice))
			.satisfies((ex) -> assertThat(ex.getBody().getDetail())
				.isEqualTo("Parameter 'status' is given 2 times: give it once"));
		MockHttpServletRequest empty = request();
		empty.addParameter("handler", "");
		assertThat(preHandle("replay", empty)).as("an empty value is the endpoint's to judge").isTrue();
	}

	@Test
	void aNulCharacterIsRefusedInAnyParameter() {
		for (String endpoint : List.of("replay", "all")) {
			MockHttpServletRequest nul = request();
			nul.addParameter("handler", "le\0ad");
			assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle(endpoint, nul))
				.as(endpoint)
				.satisfies((ex) -> assertThat(ex.getBody().getDetail())
					.isEqualTo("Parameter 'handler' contains a NUL character (%00)"));
		}
	}

	private boolean preHandle(String endpoint, String... parameters) throws Exception {
		return preHandle(endpoint, request(parameters));
	}

	private boolean preHandle(String endpoint, MockHttpServletRequest request) throws Exception {
		Method method = Arrays.stream(Endpoints.class.getDeclaredMethods())
			.filter((candidate) -> candidate.getName().equals(endpoint))
			.findFirst()
			.orElseThrow();
		return this.interceptor.preHandle(request, new MockHttpServletResponse(),
				new HandlerMethod(new Endpoints(), method));
	}

	private static MockHttpServletRequest request(String... parameters) {
		MockHttpServletRequest request = new MockHttpServletRequest("POST", "/admin/api/deliveries/replay");
		for (String parameter : parameters) {
			request.addParameter(parameter, "x");
		}
		return request;
	}

	static class Endpoints {

		void replay(@RequestParam(defaultValue = "DEAD") String status,
				@RequestParam(name = "handler", required = false) @Nullable String ignored) {
		}

		void none() {
		}

		void all(@RequestParam Map<String, String> parameters) {
		}

		void named(@RequestParam("filters") Map<String, String> parameters) {
		}

		void body(@RequestBody String body) {
		}

		void part(@RequestPart("file") String file) {
		}

		void request(HttpServletRequest request) {
		}

		@PostMapping(consumes = "application/json")
		void consuming() {
		}

	}

}
