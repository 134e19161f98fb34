package io.relay.workflow.promocode;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pattern for generated codes: literal text with random parts, such as {@code SPRING-{8 alnum}}. Random parts are
 * {@code {N alnum}} (A-Z and 0-9), {@code {N upper}} (A-Z), {@code {N digit}} (0-9) and {@code {N hex}} (0-9, A-F),
 * N from 1 to 32, drawn from a {@link SecureRandom}. A pattern must hold at least {@value #MIN_BITS} bits of
 * randomness, so that codes cannot be guessed from one another and rarely collide.
 */
final class CodePattern {

	static final int MIN_BITS = 40;

	private static final Pattern PART = Pattern.compile("\\{(\\d{1,2}) (alnum|upper|digit|hex)}");

	private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

	private static final SecureRandom random = new SecureRandom();

	private final List<Object> parts = new ArrayList<>();

	private CodePattern() {
	}

	/** @throws IllegalArgumentException saying what is wrong with the pattern */
	static CodePattern parse(String pattern) {
		CodePattern parsed = new CodePattern();
		Matcher matcher = PART.matcher(pattern);
		int last = 0;
		double bits = 0;
		while (matcher.find()) {
			parsed.literal(pattern.substring(last, matcher.start()));
			int length = Integer.parseInt(matcher.group(1));
			if (length < 1 || length > 32) {
				throw new IllegalArgumentException("a random part has 1 to 32 characters, not " + length);
			}
			String alphabet = switch (matcher.group(2)) {
				case "alnum" -> ALNUM;
				case "upper" -> ALNUM.substring(0, 26);
				case "digit" -> "0123456789";
				default -> "0123456789ABCDEF";
			};
			parsed.parts.add(new Random(length, alphabet));
			bits += length * (Math.log(alphabet.length()) / Math.log(2));
			last = matcher.end();
		}
		parsed.literal(pattern.substring(last));
		if (bits < MIN_BITS) {
			throw new IllegalArgumentException("pattern '" + pattern + "' has " + (int) bits + " bits of randomness, "
					+ "fewer than " + MIN_BITS + ": use longer random parts, such as {8 alnum} (41 bits)");
		}
		String example = parsed.next();
		if (!Codes.isValid(example)) {
			throw new IllegalArgumentException("pattern '" + pattern + "' makes codes such as '" + example
					+ "', which are not valid codes (" + Codes.RULE + ")");
		}
		return parsed;
	}

	private void literal(String text) {
		if (text.contains("{") || text.contains("}")) {
			throw new IllegalArgumentException("unknown part in '" + text + "': random parts are {N alnum}, "
					+ "{N upper}, {N digit} or {N hex}");
		}
		if (!text.isEmpty()) {
			this.parts.add(text);
		}
	}

	String next() {
		StringBuilder code = new StringBuilder();
		for (Object part : this.parts) {
			if (part instanceof Random randomPart) {
				for (int i = 0; i < randomPart.length(); i++) {
					code.append(randomPart.alphabet().charAt(random.nextInt(randomPart.alphabet().length())));
				}
			}
			else {
				code.append(part);
			}
		}
		return code.toString();
	}

	private record Random(int length, String alphabet) {
	}

}
