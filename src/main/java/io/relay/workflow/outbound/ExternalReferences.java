package io.relay.workflow.outbound;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What a workflow created elsewhere for an event (a CRM contact, a ticket...), in the {@code workflow_reference}
 * table that the admin API shows with the event. Any workflow may write here: one value per event, handler and
 * kind, replaced when written again. Rows go when their event is purged.
 */
@Component
public class ExternalReferences {

	/** The longest value kept; longer ones are refused rather than cut, since a cut id points nowhere. */
	public static final int MAX_VALUE = 1000;

	private final JdbcTemplate jdbc;

	private final Clock clock;

	ExternalReferences(JdbcTemplate jdbc, Clock clock) {
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/**
	 * Records (or replaces) a reference.
	 * @param kind what the value is, such as {@code ticket} or {@code contact}
	 * @throws IllegalArgumentException when the value is longer than {@link #MAX_VALUE}
	 */
	public void record(String eventId, String handler, String kind, String value) {
		if (value.length() > MAX_VALUE) {
			throw new IllegalArgumentException("A reference is at most " + MAX_VALUE + " characters long, but the "
					+ kind + " reference of " + handler + " has " + value.length());
		}
		Timestamp now = Timestamp.from(this.clock.instant());
		if (update(eventId, handler, kind, value, now) > 0) {
			return;
		}
		try {
			this.jdbc.update("insert into workflow_reference (event_id, handler, kind, reference_value, created_at) "
					+ "values (?, ?, ?, ?, ?)", eventId, handler, kind, value, now);
		}
		catch (DuplicateKeyException ex) {
			// Written at the same moment by another attempt: the later value wins.
			update(eventId, handler, kind, value, now);
		}
	}

	/** The reference recorded for this event, handler and kind, if any. */
	public Optional<String> find(String eventId, String handler, String kind) {
		List<String> values = this.jdbc.queryForList("select reference_value from workflow_reference where "
				+ "event_id = ? and handler = ? and kind = ?", String.class, eventId, handler, kind);
		return values.stream().findFirst();
	}

	/**
	 * A reference recorded by this handler, of this kind, for any event of the conversation (the newest when there
	 * are several).
	 */
	public Optional<String> findForConversation(String conversationId, String handler, String kind) {
		List<String> values = this.jdbc.queryForList("select r.reference_value from workflow_reference r join "
				+ "inbox_event e on e.event_id = r.event_id where e.conversation_id = ? and r.handler = ? and "
				+ "r.kind = ? order by r.created_at desc, r.id desc", String.class, conversationId, handler, kind);
		return values.stream().findFirst();
	}

	private int update(String eventId, String handler, String kind, String value, Timestamp now) {
		return this.jdbc.update("update workflow_reference set reference_value = ?, created_at = ? where event_id = ? "
				+ "and handler = ? and kind = ?", value, now, eventId, handler, kind);
	}

}
