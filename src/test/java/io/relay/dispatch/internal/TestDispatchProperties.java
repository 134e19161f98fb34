package io.relay.dispatch.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Dispatch settings bound as Relay binds them: every default, with the given {@code relay.dispatch.*} settings
 * ({@code "lease=5m"}, {@code "handlers.crm.enabled=false"}) over them. Tests name only what they depend on, and a
 * new setting does not change every test that builds the settings.
 */
final class TestDispatchProperties {

	private TestDispatchProperties() {
	}

	static DispatchProperties of(String... settings) {
		Map<String, String> properties = new LinkedHashMap<>();
		for (String setting : settings) {
			int equals = setting.indexOf('=');
			properties.put("relay.dispatch." + setting.substring(0, equals), setting.substring(equals + 1));
		}
		return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("relay.dispatch",
				DispatchProperties.class);
	}

}
