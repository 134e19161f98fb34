package io.relay.admin;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.RequestParam;
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

	private boolean preHandle(String endpoint, String... parameters) throws Exception {
		Method method = Arrays.stream(Endpoints.class.getDeclaredMethods())
			.filter((candidate) -> candidate.getName().equals(endpoint))
			.findFirst()
			.orElseThrow();
		return this.interceptor.preHandle(request(parameters), new MockHttpServletResponse(),
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

	}

}
