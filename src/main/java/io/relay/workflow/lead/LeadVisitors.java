package io.relay.workflow.lead;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import io.relay.iadvize.Visitor;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The {@code lead_visitor} table: which visitors were sent, when, and which delivery is sending one right now. A
 * delivery claims a visitor's row before it sends and releases it after, so that two events of one visitor handled
 * at the same moment (on one instance or two) cannot both create a contact. A claim lapses after its time-to-live,
 * so that a crash mid-send does not block the visitor for good; a create sent by that delivery stays pending on the
 * row ({@code pending_key}) and is sent again, under its key, by the next delivery for the visitor.
 */
class LeadVisitors {

	private final JdbcTemplate jdbc;

	LeadVisitors(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	/**
	 * The key of a visitor: a SHA-256 of their email address, lowercased, or else of their phone number's digits.
	 * @return {@code null} when the visitor has neither
	 */
	static @Nullable String key(Visitor visitor) {
		String identity = null;
		if (visitor.email() != null && !visitor.email().isBlank()) {
			identity = "email:" + visitor.email().strip().toLowerCase(Locale.ROOT);
		}
		else if (visitor.phone() != null && !visitor.phone().replaceAll("[^0-9]", "").isEmpty()) {
			String phone = visitor.phone().strip();
			identity = "phone:" + (phone.startsWith("+") ? "+" : "") + phone.replaceAll("[^0-9]", "");
		}
		if (identity == null) {
			return null;
		}
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8)));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Claims a visitor's row for {@code claimant} (a delivery's idempotency key) until {@code now + ttl}, creating
	 * the row if it is the visitor's first.
	 */
	Claim claim(String key, String claimant, Instant now, Duration ttl) {
		Timestamp until = Timestamp.from(now.plus(ttl));
		try {
			this.jdbc.update("insert into lead_visitor (visitor_key, sends, claimed_by, claimed_until) values "
					+ "(?, 0, ?, ?)", key, claimant, until);
			return new Claim.Claimed(new Row(null, null, null, null, null, 0, null, null));
		}
		catch (DuplicateKeyException ex) {
			// Known visitor: claim the existing row below.
		}
		int claimed = this.jdbc.update("update lead_visitor set claimed_by = ?, claimed_until = ? where visitor_key = ? "
				+ "and (claimed_by is null or claimed_by = ? or claimed_until < ?)", claimant, until, key, claimant,
				Timestamp.from(now));
		if (claimed == 1) {
			return new Claim.Claimed(row(key));
		}
		List<Timestamp> owner = this.jdbc.queryForList("select claimed_until from lead_visitor where visitor_key = ?",
				Timestamp.class, key);
		Timestamp ownerUntil = owner.isEmpty() ? null : owner.get(0);
		return new Claim.Busy((ownerUntil != null) ? ownerUntil.toInstant() : now);
	}

	/** Gives the row back without a send. */
	void release(String key, String claimant) {
		this.jdbc.update("update lead_visitor set claimed_by = null, claimed_until = null where visitor_key = ? and "
				+ "claimed_by = ?", key, claimant);
	}

	/**
	 * Records that a create is about to be sent under {@code sendKey}, before it is: should its outcome stay unknown
	 * (a timeout, a crash), the next delivery for the visitor sends it again under that key.
	 * @return whether the claim was still {@code claimant}'s (else the create must not be sent)
	 */
	boolean creating(String key, String claimant, String sendKey) {
		return this.jdbc.update("update lead_visitor set pending_key = ? where visitor_key = ? and claimed_by = ?",
				sendKey, key, claimant) == 1;
	}

	/** The CRM refused the create sent under {@code sendKey}: nothing was created, the next one may use its own key. */
	void refused(String key, String sendKey) {
		this.jdbc.update("update lead_visitor set pending_key = null where visitor_key = ? and pending_key = ?", key,
				sendKey);
	}

	/** Records a send made under {@code sendKey} and gives the row back. */
	void sent(String key, String claimant, String eventId, LeadHandler.Action action, String sendKey, Instant at,
			@Nullable String externalId) {
		Timestamp time = Timestamp.from(at);
		this.jdbc.update("update lead_visitor set first_sent_at = coalesce(first_sent_at, ?), last_sent_at = ?, "
				+ "last_event_id = ?, last_action = ?, last_key = ?, pending_key = null, "
				+ "external_id = coalesce(?, external_id), sends = sends + 1, claimed_by = null, claimed_until = null "
				+ "where visitor_key = ? and claimed_by = ?", time, time, eventId, action.name(), sendKey, externalId,
				key, claimant);
	}

	private Row row(String key) {
		return this.jdbc.queryForObject("select external_id, first_sent_at, last_sent_at, last_event_id, last_action, "
				+ "sends, last_key, pending_key from lead_visitor where visitor_key = ?",
				(rs, n) -> new Row(rs.getString(1), instant(rs, 2), instant(rs, 3), rs.getString(4), rs.getString(5),
						rs.getInt(6), rs.getString(7), rs.getString(8)),
				key);
	}

	private static @Nullable Instant instant(ResultSet rs, int column) throws SQLException {
		Timestamp timestamp = rs.getTimestamp(column);
		return (timestamp != null) ? timestamp.toInstant() : null;
	}

	/**
	 * What is known of a visitor's sends.
	 * @param lastKey the {@code Idempotency-Key} of the last confirmed send
	 * @param pendingKey the {@code Idempotency-Key} of a create whose outcome is not known yet
	 */
	record Row(@Nullable String externalId, @Nullable Instant firstSentAt, @Nullable Instant lastSentAt,
			@Nullable String lastEventId, @Nullable String lastAction, int sends, @Nullable String lastKey,
			@Nullable String pendingKey) {
	}

	sealed interface Claim {

		/** This delivery may send for the visitor. */
		record Claimed(Row row) implements Claim {
		}

		/** Another delivery is sending for the visitor, until {@code until} at the latest. */
		record Busy(Instant until) implements Claim {
		}

	}

}
