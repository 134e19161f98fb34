package io.relay.admin;

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

class KnownParametersTests {

	private final KnownParameters interceptor = new KnownParameters();

	@Test
	void theParametersAnEndpointTakesPassInAnyNumberAndEncoding() throws Exception {
		assertThat(preHandle("status=DEAD&handler=lead")).isTrue();
		assertThat(preHandle("handler=lead&handler=log")).isTrue();
		assertThat(preHandle("%73tatus=DEAD")).as("percent-encoded 'status'").isTrue();
		assertThat(preHandle("status")).as("without a value").isTrue();
		assertThat(preHandle(null)).isTrue();
		assertThat(preHandle("&&")).isTrue();
	}

	@Test
	void anyOtherIsRefusedNamingTheOnesTaken() {
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle("status=DEAD&handlr=lead"))
			.satisfies((ex) -> assertThat(ex.getBody().getDetail())
				.isEqualTo("Unknown parameter 'handlr': this endpoint takes status, handler"))
			.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(400));
		assertThatExceptionOfType(ErrorResponseException.class).isThrownBy(() -> preHandle("b%zz=1"))
			.withMessageContaining("Unknown parameter 'b%zz'");
		assertThatExceptionOfType(ErrorResponseException.class)
			.isThrownBy(() -> this.interceptor.preHandle(request("page=2"), new MockHttpServletResponse(),
					new HandlerMethod(new Endpoints(), Endpoints.class.getDeclaredMethod("none"))))
			.satisfies((ex) -> assertThat(ex.getBody().getDetail())
				.isEqualTo("Unknown parameter 'page': this endpoint takes none"));
	}

	@Test
	void anEndpointThatTakesAMapOfParametersTakesThemAll() throws Exception {
		assertThat(this.interceptor.preHandle(request("anything=1&else"), new MockHttpServletResponse(),
				new HandlerMethod(new Endpoints(), Endpoints.class.getDeclaredMethod("all", Map.class))))
			.isTrue();
	}

	@Test
	void whatIsNotAControllerMethodIsLeftAlone() throws Exception {
		assertThat(this.interceptor.preHandle(request("anything=1"), new MockHttpServletResponse(), new Object()))
			.isTrue();
	}

	private boolean preHandle(@Nullable String query) throws Exception {
		return this.interceptor.preHandle(request(query), new MockHttpServletResponse(), new HandlerMethod(
				new Endpoints(), Endpoints.class.getDeclaredMethod("replay", String.class, String.class)));
	}

	private static MockHttpServletRequest request(@Nullable String query) {
		MockHttpServletRequest request = new MockHttpServletRequest("POST", "/admin/api/deliveries/replay");
		request.setQueryString(query);
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

	}

}
