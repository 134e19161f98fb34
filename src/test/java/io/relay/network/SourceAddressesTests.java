package io.relay.network;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

class SourceAddressesTests {

	static final List<String> IADVIZE = List.of("35.158.241.155", "35.158.90.142", "35.156.32.28", "3.66.4.54",
			"3.73.29.33", "3.125.164.129", "34.107.108.253");

	@Test
	void matchesSingleAddressesAndCidrRangesOfBothFamilies() {
		SourceAddresses addresses = new SourceAddresses(List.of("35.158.241.155", "10.0.0.0/8", "2001:db8::/32"));
		assertThat(addresses.contains("35.158.241.155")).isTrue();
		assertThat(addresses.contains("35.158.241.156")).isFalse();
		assertThat(addresses.contains("10.200.3.4")).isTrue();
		assertThat(addresses.contains("11.0.0.1")).isFalse();
		assertThat(addresses.contains("2001:db8::7")).isTrue();
		assertThat(addresses.contains("2001:db9::7")).isFalse();
		assertThat(addresses.contains("::ffff:10.1.2.3")).as("IPv4-mapped IPv6").isTrue();
	}

	@Test
	void anythingThatIsNotAnIpLiteralNeverMatches() {
		SourceAddresses addresses = new SourceAddresses(List.of("0.0.0.0/0", "::/0"));
		assertThat(addresses.contains("unknown")).isFalse();
		assertThat(addresses.contains("localhost")).isFalse();
		assertThat(addresses.contains("10.1.2.3:443")).isFalse();
		assertThat(addresses.contains("")).isFalse();
		assertThat(addresses.contains(null)).isFalse();
		assertThat(addresses.contains("10.1.2.3")).isTrue();
	}

	@Test
	void theTcpPeerIsTheSourceWhenNoProxyIsTrusted() {
		SourceAddresses none = new SourceAddresses(List.of());
		MockHttpServletRequest request = request("127.0.0.1", "35.158.241.155");
		assertThat(none.sourceOf(request)).isEqualTo("127.0.0.1");
	}

	@Test
	void theTcpPeerIsTheSourceWhenItIsNotATrustedProxy() {
		SourceAddresses proxies = new SourceAddresses(List.of("10.0.0.0/8"));
		assertThat(proxies.sourceOf(request("198.51.100.4", "35.158.241.155"))).isEqualTo("198.51.100.4");
	}

	@Test
	void behindATrustedProxyTheForwardedAddressIsTheSource() {
		SourceAddresses proxies = new SourceAddresses(List.of("10.0.0.0/8"));
		assertThat(proxies.sourceOf(request("10.0.0.5", "35.158.241.155"))).isEqualTo("35.158.241.155");
		assertThat(proxies.sourceOf(request("10.0.0.5"))).as("no header").isEqualTo("10.0.0.5");
	}

	@Test
	void theRightMostUntrustedAddressIsTheSourceSoThatClientsCannotSpoofIt() {
		SourceAddresses proxies = new SourceAddresses(List.of("10.0.0.0/8"));
		// The client wrote "35.158.241.155" itself; the proxy appended the address it really came from.
		assertThat(proxies.sourceOf(request("10.0.0.5", "35.158.241.155, 198.51.100.4"))).isEqualTo("198.51.100.4");
		// Two proxies in a row: both are skipped.
		assertThat(proxies.sourceOf(request("10.0.0.5", "198.51.100.9, 35.158.241.155, 10.0.0.7")))
			.isEqualTo("35.158.241.155");
		// The header may come as several fields.
		assertThat(proxies.sourceOf(request("10.0.0.5", "198.51.100.9", "35.158.241.155"))).isEqualTo("35.158.241.155");
		// Garbage appended by nobody we trust is the source, and matches no allow-list.
		assertThat(proxies.sourceOf(request("10.0.0.5", "35.158.241.155, garbage"))).isEqualTo("garbage");
	}

	@Test
	void aForwardedHopWithAPortIsItsAddress() {
		// Some proxies (Azure Application Gateway) write the client's port too: every delivery was refused.
		SourceAddresses proxies = new SourceAddresses(List.of("10.0.0.0/8"));
		assertThat(proxies.sourceOf(request("10.0.0.5", "35.158.241.155:4711"))).isEqualTo("35.158.241.155");
		assertThat(proxies.sourceOf(request("10.0.0.5", "[2001:db8::7]:4711"))).isEqualTo("2001:db8::7");
		assertThat(proxies.sourceOf(request("10.0.0.5", "2001:db8::7"))).isEqualTo("2001:db8::7");
		assertThat(proxies.sourceOf(request("10.0.0.5", "35.158.241.155, 10.0.0.7:443"))).isEqualTo("35.158.241.155");
	}

	@Test
	void whenEveryHopIsTrustedTheLeftMostIsTheSource() {
		SourceAddresses proxies = new SourceAddresses(List.of("10.0.0.0/8"));
		assertThat(proxies.sourceOf(request("10.0.0.5", "10.0.0.9, 10.0.0.7"))).isEqualTo("10.0.0.9");
	}

	private static MockHttpServletRequest request(String peer, String... forwardedFor) {
		MockHttpServletRequest request = new MockHttpServletRequest("POST", "/webhooks/iadvize");
		request.setRemoteAddr(peer);
		for (String value : forwardedFor) {
			request.addHeader(SourceAddresses.X_FORWARDED_FOR, value);
		}
		return request;
	}

}
