package io.relay.event;

import java.math.BigDecimal;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.deser.jdk.NumberDeserializers;
import tools.jackson.databind.deser.std.StdDeserializer;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.type.LogicalType;

/**
 * Reads iAdvize's whole-number fields (ids, CSAT and NPS answers) without changing their value.
 * <p>
 * Jackson truncates a JSON number with a fraction to fit an {@code Integer} or a {@code Long}: a CSAT answer sent as
 * {@code 4.6} would be counted as 4, while the same answer sent as the string {@code "4.6"} is refused. Here a number
 * with a fraction is refused as well, so the event is malformed like one with any other field of the wrong type
 * (quarantined with the field's name). A whole number spelled with a fraction or an exponent ({@code 4.0},
 * {@code 1e1}) is still read: refusing it would lose an event over its spelling. The same holds for a string (a
 * form's fields are all text): {@code "4.0"} is 4, {@code "4.6"} is refused.
 */
final class WholeNumbers {

	private WholeNumbers() {
	}

	static JacksonModule module() {
		SimpleModule module = new SimpleModule("relay-whole-numbers");
		module.addDeserializer(Integer.class,
				new Exact<>(Integer.class, new NumberDeserializers.IntegerDeserializer(Integer.class, null)));
		module.addDeserializer(Long.class,
				new Exact<>(Long.class, new NumberDeserializers.LongDeserializer(Long.class, null)));
		return module;
	}

	/** Refuses a number with a fraction, then leaves everything else (ranges, strings, nulls) to Jackson's own. */
	private static final class Exact<T extends Number> extends StdDeserializer<T> {

		private final ValueDeserializer<T> standard;

		Exact(Class<T> type, ValueDeserializer<T> standard) {
			super(type);
			this.standard = standard;
		}

		@Override
		@SuppressWarnings("unchecked")
		public T deserialize(JsonParser parser, DeserializationContext context) throws JacksonException {
			if (parser.currentToken() == JsonToken.VALUE_NUMBER_FLOAT) {
				BigDecimal value = parser.getDecimalValue();
				if (value.stripTrailingZeros().scale() > 0) {
					return (T) context.handleWeirdNumberValue(handledType(), value, "a whole number is expected");
				}
			}
			if (parser.currentToken() == JsonToken.VALUE_STRING) {
				String text = parser.getString().strip();
				BigDecimal value = decimalSpelling(text);
				if (value != null) {
					BigDecimal whole = value.stripTrailingZeros();
					// Checked before any conversion: "1e999999999" is short to write and huge to expand.
					if (whole.scale() > 0 || whole.precision() - whole.scale() > 19) {
						return (T) context.handleWeirdStringValue(handledType(), text, "a whole number is expected");
					}
					try {
						return (T) ((handledType() == Integer.class) ? (Number) whole.intValueExact()
								: (Number) whole.longValueExact());
					}
					catch (ArithmeticException ex) {
						return (T) context.handleWeirdStringValue(handledType(), text, "out of range");
					}
				}
			}
			return this.standard.deserialize(parser, context);
		}

		/** A number written with a point or an exponent, else {@code null} (left to Jackson's own reading). */
		private static @Nullable BigDecimal decimalSpelling(String text) {
			if (text.isEmpty() || text.length() > 100 || (text.indexOf('.') < 0 && text.indexOf('e') < 0
					&& text.indexOf('E') < 0)) {
				return null;
			}
			try {
				return new BigDecimal(text);
			}
			catch (NumberFormatException ex) {
				return null;
			}
		}

		@Override
		public LogicalType logicalType() {
			return LogicalType.Integer;
		}

	}

}
