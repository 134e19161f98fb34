package io.relay.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The payload examples from iAdvize's webhook reference ({@code src/test/resources/iadvize/events}, copied from
 * {@code shared/iadvize/events}).
 */
public final class Fixtures {

	private Fixtures() {
	}

	/** Every fixture's file name. */
	public static List<String> names() {
		try (Stream<Path> files = Files.list(directory())) {
			return files.map((file) -> file.getFileName().toString()).filter((name) -> name.endsWith(".json")).sorted()
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** A fixture exactly as documented. */
	public static String read(String name) {
		try {
			return Files.readString(directory().resolve(name), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A fixture with a fresh {@code eventId}, as a real delivery has: the documented examples share one id across
	 * types. Only the id's characters change, so the rest of the bytes stay as documented.
	 */
	public static Event withFreshId(String name) {
		String body = read(name);
		String documentedId = body.replaceAll("(?s).*\"eventId\"\\s*:\\s*\"([^\"]+)\".*", "$1");
		String id = UUID.randomUUID().toString();
		return new Event(id, body.replace(documentedId, id));
	}

	private static Path directory() {
		try {
			return Path.of(Fixtures.class.getResource("/iadvize/events").toURI());
		}
		catch (URISyntaxException ex) {
			throw new IllegalStateException(ex);
		}
	}

	public record Event(String eventId, String body) {
	}

}
