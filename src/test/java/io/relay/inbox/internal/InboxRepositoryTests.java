package io.relay.inbox.internal;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import io.relay.event.EventParser;
import io.relay.event.MalformedEventException;
import io.relay.event.PayloadFormat;
import io.relay.inbox.IncomingEvent;
import io.relay.support.MigratedDatabase;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

class InboxRepositoryTests {

	private final String run = UUID.randomUUID().toString();

	@ParameterizedTest
	@ValueSource(strings = { "h2", "postgres" })
	void aBatchLargerThanOneStatementTellsForEachEventWhetherItWasInserted(String database) throws Exception {
		DataSource dataSource = MigratedDatabase.of(database, "inbox_repository");
		InboxRepository repository = new InboxRepository(new JdbcTemplate(dataSource));
		List<IncomingEvent> stored = new ArrayList<>();
		for (int i = 0; i < 2_500; i += 3) {
			stored.add(event(i));
		}
		assertThat(repository.insertIfAbsent(stored)).containsOnly(true);

		// On PostgreSQL three statements of at most 1,000 rows; every third event is stored already.
		List<IncomingEvent> batch = IntStream.range(0, 2_500).mapToObj(this::event).toList().reversed();
		boolean[] inserted = repository.insertIfAbsent(batch);

		for (int i = 0; i < batch.size(); i++) {
			int number = 2_499 - i;
			assertThat(inserted[i]).as("event %d inserted", number).isEqualTo(number % 3 != 0);
		}
		assertThat(new JdbcTemplate(dataSource).queryForObject("select count(*) from inbox_event", Integer.class))
			.isEqualTo(2_500);
	}

	@Test
	void statementsAreCutByRowsAndByPayloadBytes() {
		List<IncomingEvent> events = List.of(sized(40), sized(40), sized(40), sized(10), sized(10), sized(10),
				sized(10), sized(200), sized(5));

		List<List<IncomingEvent>> statements = InboxRepository.statements(events, 3, 100);

		assertThat(statements).map(InboxRepositoryTests::sizes)
			.containsExactly(List.of(40, 40), List.of(40, 10, 10), List.of(10, 10), List.of(200), List.of(5));
	}

	@Property
	void statementsKeepEveryEventInOrderWithinBothLimits(@ForAll @Size(max = 60) List<@IntRange(max = 300) Integer> sizes,
			@ForAll @IntRange(min = 1, max = 10) int maxRows, @ForAll @IntRange(min = 1, max = 500) int maxBytes) {
		List<IncomingEvent> events = sizes.stream().map(InboxRepositoryTests::sized).toList();

		List<List<IncomingEvent>> statements = InboxRepository.statements(events, maxRows, maxBytes);

		assertThat(statements.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(events);
		assertThat(statements).allSatisfy((statement) -> {
			assertThat(statement).isNotEmpty().hasSizeLessThanOrEqualTo(maxRows);
			if (statement.size() > 1) {
				assertThat(sizes(statement).stream().mapToLong(Integer::longValue).sum()).isLessThanOrEqualTo(maxBytes);
			}
		});
		for (int i = 1; i < statements.size(); i++) {
			List<IncomingEvent> previous = statements.get(i - 1);
			long together = sizes(previous).stream().mapToLong(Integer::longValue).sum()
					+ statements.get(i).getFirst().payload().length;
			assertThat(previous.size() == maxRows || together > maxBytes)
				.as("statement %d was cut only when the next event did not fit", i - 1)
				.isTrue();
		}
	}

	private IncomingEvent event(int number) {
		String id = "event-" + number + "-" + this.run;
		return incoming(id, body(id));
	}

	/** An event whose stored payload has the given size (only its size counts here). */
	private static IncomingEvent sized(int bytes) {
		return incoming(UUID.randomUUID().toString(), new byte[bytes]);
	}

	private static IncomingEvent incoming(String id, byte[] payload) {
		try {
			return new IncomingEvent(new EventParser().parse(body(id), PayloadFormat.JSON, null, null),
					"application/json", payload, null, null, Instant.now());
		}
		catch (MalformedEventException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static byte[] body(String id) {
		return ("{\"eventId\": \"" + id + "\", \"eventType\": \"user.created\", \"userId\": 1}")
			.getBytes(StandardCharsets.UTF_8);
	}

	private static List<Integer> sizes(List<IncomingEvent> statement) {
		return statement.stream().map((event) -> event.payload().length).toList();
	}

}
