package io.relay.network;

import java.time.Instant;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.relay.support.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scan from many addresses: every refusal answered and counted, the log told of the first sources and then once
 * that the others are only counted (its own filter, since the budget is per filter and other tests spend it).
 */
@ExtendWith(OutputCaptureExtension.class)
class SourceAllowListFilterScanTests {

	@Test
	void aScanFromManyAddressesIsLoggedForTheFirstSourcesThenSummedUpOnce(CapturedOutput output) throws Exception {
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		SourceAllowListFilter filter = new SourceAllowListFilter(
				new NetworkProperties(List.of("35.158.241.155"), List.of()), JsonMapper.builder().build(), meters,
				new MutableClock(Instant.parse("2026-11-28T10:00:00Z")));
		int sources = RefusedSources.SOURCES_PER_QUIET + 40;
		for (int i = 0; i < sources; i++) {
			MockHttpServletRequest request = new MockHttpServletRequest("POST", "/webhooks/iadvize");
			request.setRemoteAddr("198.51.100." + i);
			MockHttpServletResponse response = new MockHttpServletResponse();
			filter.doFilter(request, response, new MockFilterChain());
			assertThat(response.getStatus()).isEqualTo(403);
		}
		assertThat(meters.get("relay.webhook.deliveries").tag("reason", "source").counter().count())
			.isEqualTo(sources);
		// This filter's lines only: the captured output is the JVM's, other tests' contexts may log meanwhile.
		List<String> warnings = output.getOut()
			.lines()
			.filter((line) -> line.contains("WARN") && line.contains(SourceAllowListFilter.class.getSimpleName()))
			.toList();
		assertThat(warnings).filteredOn((line) -> line.contains("Refused a webhook delivery from 198.51.100."))
			.hasSize(RefusedSources.SOURCES_PER_QUIET);
		assertThat(warnings).filteredOn((line) -> line.contains("Refused webhook deliveries from more than "
				+ RefusedSources.SOURCES_PER_QUIET + " sources not in relay.network.allowed-sources within PT10M: "
				+ "refusals from further sources (now 198.51.100." + RefusedSources.SOURCES_PER_QUIET
				+ ", TCP peer 198.51.100." + RefusedSources.SOURCES_PER_QUIET + ") are only counted "
				+ "(relay_webhook_deliveries_total, reason=source) until 2026-11-28T10:10:00Z"))
			.hasSize(1);
		assertThat(warnings).hasSize(RefusedSources.SOURCES_PER_QUIET + 1);
	}

}
