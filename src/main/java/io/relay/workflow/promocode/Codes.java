package io.relay.workflow.promocode;

import java.util.regex.Pattern;

/**
 * What a promo code and a campaign name may look like.
 */
final class Codes {

	static final String RULE = "1 to 100 characters: letters, digits, '-', '_' and '.', starting with a letter or digit";

	private static final Pattern CODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

	private Codes() {
	}

	static boolean isValid(String code) {
		return CODE.matcher(code).matches();
	}

	static boolean isValidCampaign(String campaign) {
		return CODE.matcher(campaign).matches();
	}

}
