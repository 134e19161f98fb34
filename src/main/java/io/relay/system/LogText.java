package io.relay.system;

/** Text from outside (a header, a forwarded address) as it may be written to a log line. */
public final class LogText {

	private static final int MAX_LENGTH = 64;

	private LogText() {
	}

	/**
	 * At most 64 printable ASCII characters, anything else as {@code ?}: a control character or a line separator
	 * could otherwise forge a log line or a terminal's colours.
	 */
	public static String printable(String text) {
		return printable(text, MAX_LENGTH);
	}

	/** {@link #printable(String)}, at most {@code maxLength} characters (an id, whole: two may share a long start). */
	public static String printable(String text, int maxLength) {
		StringBuilder printable = new StringBuilder();
		for (int i = 0; i < text.length() && printable.length() < maxLength; i++) {
			char c = text.charAt(i);
			printable.append((c >= 0x20 && c < 0x7f) ? c : '?');
		}
		return printable.toString();
	}

}
