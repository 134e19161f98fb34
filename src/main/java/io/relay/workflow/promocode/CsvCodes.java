package io.relay.workflow.promocode;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads the codes of a CSV upload: one code per line in the first column (further columns are ignored), an optional
 * {@code code} header, blank lines and empty rows ({@code ,,,}) ignored, UTF-8 with or without a byte order mark, fields optionally in double
 * quotes, separated by commas or semicolons. Every problem is reported with its line, and one problem rejects the
 * whole file.
 */
final class CsvCodes {

	static final int MAX_CODES = 100_000;

	static final int MAX_REPORTED = 20;

	private CsvCodes() {
	}

	record Problem(int line, String reason) {
	}

	record Parsed(List<String> codes, List<Problem> problems, int problemCount) {

		boolean valid() {
			return this.problemCount == 0;
		}

	}

	/** A code of the file, by the line it came first on. */
	private record Seen(int line, String code) {
	}

	static Parsed parse(byte[] bytes) {
		List<Problem> problems = new ArrayList<>();
		int[] count = { 0 };
		String text;
		try {
			text = StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return new Parsed(List.of(), List.of(new Problem(0, "the file is not UTF-8 text")), 1);
		}
		if (text.startsWith("\uFEFF")) {
			text = text.substring(1);
		}
		List<String> codes = new ArrayList<>();
		Map<String, Seen> seen = new HashMap<>();
		int beyondLimit = 0;
		Iterator<String> lines = text.lines().iterator();
		for (int number = 1; lines.hasNext(); number++) {
			String line = lines.next();
			if (isEmptyRow(line)) {
				continue;
			}
			String field;
			try {
				field = firstField(line).strip();
			}
			catch (IllegalArgumentException ex) {
				problem(problems, count, number, ex.getMessage());
				continue;
			}
			if (codes.isEmpty() && seen.isEmpty() && field.equalsIgnoreCase("code")) {
				continue;
			}
			if (!Codes.isValid(field)) {
				problem(problems, count, number, "'" + abbreviate(field) + "' is not a valid code (" + Codes.RULE + ")");
				continue;
			}
			if (codes.size() == MAX_CODES) {
				// Refused anyway: counted, not kept (a 10 MB file holds over a million codes).
				beyondLimit++;
				continue;
			}
			Seen earlier = seen.putIfAbsent(PromoCodePool.key(field), new Seen(number, field));
			if (earlier != null) {
				problem(problems, count, number, "'" + field + "' is a duplicate of line " + earlier.line()
						+ (earlier.code().equals(field) ? "" : " ('" + earlier.code() + "': codes are the same "
								+ "whatever their case)"));
				continue;
			}
			codes.add(field);
		}
		if (beyondLimit > 0) {
			problem(problems, count, 0, "the file holds " + (codes.size() + beyondLimit) + " codes; import at most "
					+ MAX_CODES + " at a time");
		}
		if (codes.isEmpty() && count[0] == 0) {
			problem(problems, count, 0, "the file holds no code");
		}
		return new Parsed(codes, problems, count[0]);
	}

	/** A blank line, or a spreadsheet's empty row: separators only ({@code ,,,}). */
	private static boolean isEmptyRow(String line) {
		return line.chars().allMatch((c) -> c == ',' || c == ';' || Character.isWhitespace(c));
	}

	private static String firstField(String line) {
		if (!line.stripLeading().startsWith("\"")) {
			int end = line.length();
			for (char separator : new char[] { ',', ';' }) {
				int at = line.indexOf(separator);
				if (at >= 0 && at < end) {
					end = at;
				}
			}
			String field = line.substring(0, end);
			if (field.contains("\"")) {
				throw new IllegalArgumentException("a double quote inside an unquoted field");
			}
			return field;
		}
		String rest = line.stripLeading().substring(1);
		StringBuilder field = new StringBuilder();
		for (int i = 0; i < rest.length(); i++) {
			char c = rest.charAt(i);
			if (c == '"') {
				if (i + 1 < rest.length() && rest.charAt(i + 1) == '"') {
					field.append('"');
					i++;
					continue;
				}
				String after = rest.substring(i + 1).strip();
				if (!after.isEmpty() && after.charAt(0) != ',' && after.charAt(0) != ';') {
					throw new IllegalArgumentException("text after a closing double quote");
				}
				return field.toString();
			}
			field.append(c);
		}
		throw new IllegalArgumentException("a double quote is not closed");
	}

	private static void problem(List<Problem> problems, int[] count, int line, String reason) {
		count[0]++;
		if (problems.size() < MAX_REPORTED) {
			problems.add(new Problem(line, reason));
		}
	}

	private static String abbreviate(String text) {
		return (text.length() <= 40) ? text : text.substring(0, 40) + "...";
	}

}
