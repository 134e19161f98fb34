package io.relay.workflow.promocode;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import io.relay.system.Databases;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The code pools ({@code promo_code}). Assigning a code is one short transaction that takes the campaign's oldest
 * free code ({@code FOR UPDATE SKIP LOCKED} on PostgreSQL, so that instances take different codes; under an
 * in-process lock per campaign besides, waited for at most {@link #LOCK_WAIT}, which is all H2 needs) and writes the
 * visitor on it. The UNIQUE constraint on (campaign, visitor) is what makes "one code per visitor and campaign" hold
 * across threads and instances: the loser of a race rolls back and finds the winner's code. One code per
 * conversation holds the same way: the transaction looks for the conversation's code again under a lock per
 * conversation (an advisory lock on PostgreSQL, across instances), so that two runs of one delivery at once (a lease
 * taken over, an unordered handler) cannot each take one for a different address of the visitor. That lock is not
 * waited for: the delivery tries again later.
 * <p>
 * A code's {@code code_key} (its lower case, unique) makes codes that differ only by case one code, as shops see them.
 */
@Repository
class PromoCodePool {

	private static final int CHUNK = 500;

	/**
	 * The codes that may be handed out: all but those withheld by migration V48 (their key starts with '#'). A code
	 * without a key, stored by an older instance during a rolling upgrade, may.
	 */
	private static final String NOT_WITHHELD = "(code_key is null or code_key not like '#%')";

	private static final int MAX_TRIES = 10;

	private final JdbcTemplate jdbc;

	private final NamedParameterJdbcTemplate named;

	private final TransactionTemplate transactions;

	private final Clock clock;

	private final String lock;

	private final boolean postgres;

	/** The first key of the pool's advisory locks. */
	static final int ADVISORY_LOCK_SPACE = Databases.PROMO_CODE_LOCK_SPACE;

	private final Map<String, ReentrantLock> campaigns = new ConcurrentHashMap<>();

	/**
	 * How long an assignment waits for another one of its campaign in this instance. Each holds the lock for one short
	 * transaction, so a longer wait means something is stuck: the delivery retries later instead of holding its
	 * worker indefinitely.
	 */
	static final Duration LOCK_WAIT = Duration.ofSeconds(5);

	private final Duration lockWait;

	@Autowired
	PromoCodePool(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock) {
		this(jdbc, transactions, clock, LOCK_WAIT);
	}

	PromoCodePool(JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock, Duration lockWait) {
		this.lockWait = lockWait;
		this.jdbc = jdbc;
		this.named = new NamedParameterJdbcTemplate(jdbc);
		this.transactions = transactions;
		this.clock = clock;
		this.postgres = Databases.isPostgres(jdbc);
		this.lock = this.postgres ? " for update skip locked" : " for update";
	}

	/** What {@link #assign} did. */
	sealed interface Assignment {

		/** The visitor has this code for this conversation: just now, or by an earlier attempt of it. */
		record Assigned(String code) implements Assignment {
		}

		/** The visitor got a code of this campaign before, for another conversation. */
		record AlreadyAssigned(String code, String conversationId) implements Assignment {
		}

		/** No free code is left in the campaign. */
		record PoolEmpty() implements Assignment {
		}

	}

	/**
	 * A campaign's pool. {@code total} may exceed {@code available + assigned}: by the codes withheld because they
	 * differ only by case from an older one (stored before migration V48; see operations.md).
	 */
	record Stats(String campaign, long total, long available, long assigned) {

	}

	/** A stored code, as found for one to add: the same but for case, maybe. */
	record Existing(String code, String campaign) {
	}

	/** Thrown when codes to import exist already; nothing is imported. */
	static final class ExistingCodes extends RuntimeException {

		private final Map<String, Existing> byCode;

		ExistingCodes(Map<String, Existing> byCode) {
			super(byCode.size() + " code(s) exist already");
			this.byCode = byCode;
		}

		/** The codes to add that exist already, each with the stored code it matches. */
		Map<String, Existing> byCode() {
			return this.byCode;
		}

	}

	Assignment assign(String campaign, String visitorKey, String visitorId, String conversationId,
			String idempotencyKey) {
		ReentrantLock campaignLock = campaignLock(campaign);
		for (int i = 0; i < MAX_TRIES; i++) {
			// The conversation's code first: an earlier attempt may have taken it for another address of the
			// visitor (corrected in iAdvize meanwhile); a second code would be taken and the first lost for good.
			ConversationsCode ofConversation = conversationsCode(campaign, conversationId);
			if (ofConversation != null) {
				return forCurrentAddress(campaign, visitorKey, conversationId, ofConversation);
			}
			Assignment.AlreadyAssigned held = heldBy(campaign, visitorKey);
			if (held != null) {
				return conversationId.equals(held.conversationId()) ? new Assignment.Assigned(held.code()) : held;
			}
			if (!lock(campaignLock)) {
				throw new IllegalStateException("another assignment in campaign '" + campaign + "' held this "
						+ "instance's lock for over " + this.lockWait.toMillis() + " ms; the delivery tries again later");
			}
			try {
				Assignment assigned = this.transactions.execute((status) -> {
					if (this.postgres && !Boolean.TRUE.equals(this.jdbc.queryForObject(
							"select pg_try_advisory_xact_lock(?, hashtext(?))", Boolean.class, ADVISORY_LOCK_SPACE,
							conversationLockKey(campaign, conversationId)))) {
						// Not waited for, under the campaign's lock: the other run may take long (or hang).
						throw new IllegalStateException("another run of conversation " + conversationId + " (in "
								+ "another instance) is taking it a code of campaign '" + campaign + "' right now; "
								+ "the delivery tries again later");
					}
					// Again under the lock: another run of this conversation may have taken one since the look above
					// (for another address: the next round answers for it).
					ConversationsCode taken = conversationsCode(campaign, conversationId);
					if (taken != null) {
						return taken.visitorKey().equals(visitorKey) ? new Assignment.Assigned(taken.code()) : null;
					}
					List<Map<String, Object>> free = this.jdbc.queryForList("select id, code from promo_code where "
							+ "campaign = ? and assigned_at is null and " + NOT_WITHHELD + " order by id fetch first "
							+ "1 rows only" + this.lock, campaign);
					if (free.isEmpty()) {
						// SKIP LOCKED also skips a free code that another transaction has locked and may yet give
						// back (its visitor had a code already): only a pool without any free code is empty.
						return available(campaign) == 0 ? new Assignment.PoolEmpty() : null;
					}
					long id = ((Number) free.getFirst().get("id")).longValue();
					int updated = this.jdbc.update("update promo_code set assigned_at = ?, visitor_key = ?, "
							+ "visitor_id = ?, conversation_id = ?, idempotency_key = ? where id = ? "
							+ "and assigned_at is null", Timestamp.from(this.clock.instant()), visitorKey, visitorId,
							conversationId, idempotencyKey, id);
					return (updated == 1) ? new Assignment.Assigned((String) free.getFirst().get("code")) : null;
				});
				if (assigned != null) {
					return assigned;
				}
			}
			catch (DuplicateKeyException ex) {
				// Another delivery gave this visitor a code of this campaign meanwhile: the next round reads it.
			}
			finally {
				campaignLock.unlock();
			}
		}
		throw new IllegalStateException("could not assign a promo code of campaign '" + campaign + "' after "
				+ MAX_TRIES + " tries (contention)");
	}

	/** The code an attempt at a conversation took, and the visitor it took it for. */
	private record ConversationsCode(String code, String visitorKey) {
	}

	/** The in-process lock of a campaign's assignments. */
	ReentrantLock campaignLock(String campaign) {
		return this.campaigns.computeIfAbsent(campaign, (name) -> new ReentrantLock());
	}

	private boolean lock(ReentrantLock lock) {
		try {
			return lock.tryLock(this.lockWait.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("interrupted while waiting for the promo code pool's lock (shutdown)", ex);
		}
	}

	private @Nullable ConversationsCode conversationsCode(String campaign, String conversationId) {
		List<ConversationsCode> codes = this.jdbc.query("select code, visitor_key from promo_code where campaign = ? "
				+ "and conversation_id = ?", (rs, row) -> new ConversationsCode(rs.getString("code"),
						rs.getString("visitor_key")), campaign, conversationId);
		return codes.isEmpty() ? null : codes.getFirst();
	}

	/** The code of the campaign the visitor holds, whichever conversation it came with. */
	private Assignment.@Nullable AlreadyAssigned heldBy(String campaign, String visitorKey) {
		List<Assignment.AlreadyAssigned> held = this.jdbc.query("select code, conversation_id from promo_code where "
				+ "campaign = ? and visitor_key = ?", (rs, row) -> new Assignment.AlreadyAssigned(rs.getString("code"),
						rs.getString("conversation_id")), campaign, visitorKey);
		return held.isEmpty() ? null : held.getFirst();
	}

	/**
	 * The conversation's code, taken by an earlier attempt. Taken for a former address of the visitor, it is theirs
	 * at their current address too (the email goes there), unless that address holds a code of the campaign already,
	 * which then counts. The code is recorded under the current address only once the email went out
	 * ({@link #keepFor}): until then, another run of the delivery may still send it to the former one.
	 */
	private Assignment forCurrentAddress(String campaign, String visitorKey, String conversationId,
			ConversationsCode taken) {
		if (taken.visitorKey().equals(visitorKey)) {
			return new Assignment.Assigned(taken.code());
		}
		Assignment.AlreadyAssigned held = heldBy(campaign, visitorKey);
		return (held != null && !conversationId.equals(held.conversationId())) ? held
				: new Assignment.Assigned(taken.code());
	}

	/**
	 * Records that the code went to this visitor's address: a code taken for a former address (corrected in iAdvize
	 * between attempts) is theirs, so that the address that got it gets no second one and the former one is not held
	 * to a code it never received.
	 * @return whether the code was recorded under another address until now
	 */
	boolean keepFor(String campaign, String code, String visitorKey) {
		try {
			return this.jdbc.update("update promo_code set visitor_key = ? where campaign = ? and code = ? and "
					+ "visitor_key <> ?", visitorKey, campaign, code, visitorKey) == 1;
		}
		catch (DuplicateKeyException ex) {
			// The address got another code of the campaign meanwhile (another conversation, at the same moment).
			// Not the code in the message: it is the visitor's.
			throw new IllegalStateException("the address that received the conversation's code holds another code of "
					+ "campaign '" + campaign + "' already", ex);
		}
	}

	/** The text whose hash, in {@link #ADVISORY_LOCK_SPACE}, locks the assignments of one conversation. */
	static String conversationLockKey(String campaign, String conversationId) {
		return campaign + "\n" + conversationId;
	}

	/**
	 * Adds codes to a campaign's pool, all or none.
	 * @throws ExistingCodes when any of them exists already, in any campaign
	 */
	int add(String campaign, List<String> codes, String origin) {
		Map<String, Existing> existing = existing(codes);
		if (!existing.isEmpty()) {
			throw new ExistingCodes(existing);
		}
		String batch = UUID.randomUUID().toString();
		Timestamp now = Timestamp.from(this.clock.instant());
		try {
			this.transactions.executeWithoutResult((status) -> this.jdbc.batchUpdate(
					"insert into promo_code (campaign, code, code_key, origin, batch_id, created_at) values (?, ?, ?, ?, "
							+ "?, ?)",
					codes, 1000, (ps, code) -> {
						ps.setString(1, campaign);
						ps.setString(2, code);
						ps.setString(3, key(code));
						ps.setString(4, origin);
						ps.setString(5, batch);
						ps.setTimestamp(6, now);
					}));
		}
		catch (DuplicateKeyException ex) {
			// Added concurrently by someone else: the transaction rolled back, nothing of this batch is stored.
			Map<String, Existing> raced = existing(codes);
			throw new ExistingCodes(raced.isEmpty() ? Map.of("?", new Existing("?", "?")) : raced);
		}
		return codes.size();
	}

	/**
	 * The codes among these that exist already, whatever their case, with the stored code and its campaign.
	 * {@code codes} must differ by more than case among themselves ({@link CsvCodes} sees to it).
	 */
	Map<String, Existing> existing(List<String> codes) {
		Map<String, String> byKey = new HashMap<>();
		codes.forEach((code) -> byKey.put(key(code), code));
		Map<String, Existing> existing = new LinkedHashMap<>();
		RowCallbackHandler found = (rs) -> {
			String stored = rs.getString("code");
			String requested = byKey.get(key(stored));
			if (requested != null && (stored.equals(requested) || !existing.containsKey(requested))) {
				// The code itself, when stored (also in another case, withheld), else its twin.
				existing.put(requested, new Existing(stored, rs.getString("campaign")));
			}
		};
		for (int from = 0; from < codes.size(); from += CHUNK) {
			List<String> chunk = codes.subList(from, Math.min(codes.size(), from + CHUNK));
			List<String> keys = chunk.stream().map(PromoCodePool::key).toList();
			this.named.query("select code, campaign from promo_code where code_key in (:keys) or code in (:codes)",
					Map.of("keys", keys, "codes", chunk), found);
		}
		// Codes stored without a key (by an older instance during a rolling upgrade): few, compared here.
		this.jdbc.query("select code, campaign from promo_code where code_key is null", found);
		return existing;
	}

	/** What makes codes the same to a shop: the code in lower case (codes are ASCII, see {@link Codes}). */
	static String key(String code) {
		return code.toLowerCase(Locale.ROOT);
	}

	/** One code as the export lists it. */
	record CodeRow(long id, String code, String origin, String batch, Instant createdAt, @Nullable Instant assignedAt) {
	}

	/**
	 * Up to {@code limit} codes of the campaign after the one with id {@code afterId}, in the order they were added;
	 * only the free or only the assigned ones when {@code assigned} says so.
	 */
	List<CodeRow> codes(String campaign, long afterId, int limit, @Nullable Boolean assigned) {
		// Free: those an assignment could hand out, as counted in available (not the case twins V48 withheld).
		String which = (assigned == null) ? ""
				: assigned ? " and assigned_at is not null" : " and assigned_at is null and " + NOT_WITHHELD;
		return this.jdbc.query("select id, code, origin, batch_id, created_at, assigned_at from promo_code where "
				+ "campaign = ? and id > ?" + which + " order by id fetch first ? rows only", (rs, row) -> {
					Timestamp assignedAt = rs.getTimestamp("assigned_at");
					return new CodeRow(rs.getLong("id"), rs.getString("code"), rs.getString("origin"),
							rs.getString("batch_id"), rs.getTimestamp("created_at").toInstant(),
							(assignedAt != null) ? assignedAt.toInstant() : null);
				}, campaign, afterId, limit);
	}

	Stats stats(String campaign) {
		Map<String, Object> row = this.jdbc.queryForMap("select count(*) as total, count(case when assigned_at is "
				+ "null and " + NOT_WITHHELD + " then 1 end) as available, count(assigned_at) as assigned from "
				+ "promo_code where campaign = ?", campaign);
		return new Stats(campaign, ((Number) row.get("total")).longValue(), ((Number) row.get("available")).longValue(),
				((Number) row.get("assigned")).longValue());
	}

	/** The free codes of the campaign that can be handed out. */
	long available(String campaign) {
		Long count = this.jdbc.queryForObject("select count(*) from promo_code where campaign = ? and assigned_at is "
				+ "null and " + NOT_WITHHELD, Long.class, campaign);
		return (count != null) ? count : 0;
	}

	/** Generates {@code count} new codes, unique among all codes, and adds them to the pool. */
	List<String> generate(String campaign, CodePattern pattern, int count) {
		List<String> codes = new ArrayList<>(count);
		Set<String> unique = new HashSet<>();
		while (codes.size() < count) {
			String code = pattern.next();
			if (unique.add(key(code))) {
				codes.add(code);
			}
		}
		for (int i = 0; i < MAX_TRIES; i++) {
			try {
				add(campaign, codes, "GENERATED");
				return Collections.unmodifiableList(codes);
			}
			catch (ExistingCodes ex) {
				// Rare: a collision with an earlier code. Replace those and try again.
				for (String taken : ex.byCode().keySet()) {
					int at = codes.indexOf(taken);
					if (at >= 0) {
						String replacement;
						do {
							replacement = pattern.next();
						}
						while (!unique.add(key(replacement)));
						codes.set(at, replacement);
					}
				}
			}
		}
		throw new IllegalStateException("could not generate " + count + " codes that do not exist yet");
	}

	Instant now() {
		return this.clock.instant();
	}

}
