package io.relay.network;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class NetworkPropertiesTests {

	@Test
	void bothListsAreEmptyByDefault() {
		NetworkProperties properties = new NetworkProperties(null, null);
		assertThat(properties.allowedSources()).isEmpty();
		assertThat(properties.trustedProxies()).isEmpty();
	}

	@Test
	void acceptsAddressesAndRangesOfBothFamiliesAndTrimsThem() {
		NetworkProperties properties = new NetworkProperties(List.of(" 35.158.241.155", "3.66.0.0/16 "),
				List.of("10.0.0.0/8", "fd00::/8"));
		assertThat(properties.allowedSources()).containsExactly("35.158.241.155", "3.66.0.0/16");
		assertThat(properties.trustedProxies()).containsExactly("10.0.0.0/8", "fd00::/8");
	}

	@Test
	void refusesHostNamesAndNamesTheProperty() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new NetworkProperties(List.of("35.158.241.155", "webhooks.iadvize.com"), null))
			.withMessageContaining("relay.network.allowed-sources[1]")
			.withMessageContaining("webhooks.iadvize.com");
	}

	@Test
	void refusesMalformedRanges() {
		assertThatIllegalArgumentException().isThrownBy(() -> new NetworkProperties(null, List.of("10.0.0.0/33")))
			.withMessageContaining("relay.network.trusted-proxies[0]");
		assertThatIllegalArgumentException().isThrownBy(() -> new NetworkProperties(List.of("300.1.1.1"), null))
			.withMessageContaining("relay.network.allowed-sources[0]");
		assertThatIllegalArgumentException().isThrownBy(() -> new NetworkProperties(List.of(""), null))
			.withMessageContaining("relay.network.allowed-sources[0]");
	}

}
