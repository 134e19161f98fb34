package io.relay.admin;

import java.beans.PropertyEditorSupport;
import java.util.function.Function;

/**
 * Converts a request parameter with one parse and nothing else. An empty value is refused rather than read as no
 * value, and whatever the parse throws becomes an {@link IllegalArgumentException}, which Spring MVC answers as a
 * type mismatch ({@link AdminExceptionHandler}) rather than a {@code 500}.
 */
final class StrictEditor extends PropertyEditorSupport {

	private final Function<String, ?> parse;

	StrictEditor(Function<String, ?> parse) {
		this.parse = parse;
	}

	@Override
	public void setAsText(String text) {
		if (text.isEmpty()) {
			throw new IllegalArgumentException("empty");
		}
		try {
			setValue(this.parse.apply(text));
		}
		catch (RuntimeException ex) {
			throw (ex instanceof IllegalArgumentException) ? ex : new IllegalArgumentException(ex.getMessage(), ex);
		}
	}

}
