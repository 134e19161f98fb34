package io.relay.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.relay.RelayApplication;
import io.relay.inbox.Inbox;
import io.relay.event.EventParser;
import io.relay.event.PayloadFormat;
import io.relay.inbox.IncomingEvent;
import io.relay.support.EmbeddedH2;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.json.JsonMapper;

import static org.awaitility.Awaitility.await;

/**
 * The dispatcher benchmark, shaped like {@code shared/bench/dispatch-anchors} so that the numbers compare: a
 * warm-up, then N events from 16 producer threads (each event its own call into the inbox, which writes the event
 * and its delivery in one transaction, batching concurrent calls), a no-op handler; then a steady 100 events/s for
 * 20 s from a pacer thread and 8 senders; then a backlog of N deliveries written straight into the database,
 * which only the claimer can run (the dispatcher's own rate, without the enqueue in front of it). Not part of the
 * test suite (the class name does not end in Tests): run by {@code bench/dispatch-bench.sh}, which passes
 * {@code -Dbench.*} and reads the {@code RESULT} line.
 */
class DispatchBenchmark {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final EventParser parser = new EventParser();

	@Test
	void run() throws Exception {
		// H2: the embedded default's own URL (application.yml), in a file of the benchmark's.
		String url = System.getProperty("bench.jdbc-url", EmbeddedH2.defaultUrlFor(
				Path.of(System.getProperty("bench.h2-dir", "target/bench")).resolve("dispatch")));
		int warmup = Integer.getInteger("bench.warmup", 2000);
		int events = Integer.getInteger("bench.events", 20000);
		int producers = Integer.getInteger("bench.producers", 16);
		int rate = Integer.getInteger("bench.rate", 100);
		int seconds = Integer.getInteger("bench.seconds", 20);
		try (ConfigurableApplicationContext relay = new SpringApplicationBuilder(RelayApplication.class).run(
				"--spring.main.web-application-type=none", "--spring.datasource.url=" + url,
				"--spring.datasource.username=" + System.getProperty("bench.jdbc-user", "sa"),
				"--spring.datasource.password=" + System.getProperty("bench.jdbc-password", ""),
				"--spring.datasource.hikari.maximum-pool-size=40", "--relay.webhook.secrets=bench",
				"--relay.workflows.log.enabled=false", "--relay.test.bench-handler=true",
				"--logging.level.root=WARN")) {
			Inbox inbox = relay.getBean(Inbox.class);
			BenchHandler handler = relay.getBean(BenchHandler.class);
			Map<String, Object> result = new LinkedHashMap<>();
			result.put("lib", "relay");
			result.put("db", url.startsWith("jdbc:postgresql") ? "pg" : "h2");

			burst(inbox, warmup, producers);
			awaitRuns(handler, warmup);
			handler.reset();

			long t0 = System.nanoTime();
			burst(inbox, events, producers);
			long tEnqueued = System.nanoTime();
			awaitRuns(handler, events);
			long tLast = handler.lastEnd.get();
			JdbcTemplate jdbc = relay.getBean(JdbcTemplate.class);
			await().atMost(java.time.Duration.ofMinutes(5)).until(() -> jdbc.queryForObject(
					"select count(*) from dispatch_delivery where status <> 'SUCCEEDED'", Integer.class) == 0);
			long tDurable = System.nanoTime();
			Map<String, Object> throughput = new LinkedHashMap<>();
			throughput.put("events", events);
			throughput.put("producers", producers);
			throughput.put("enqueue_per_s", round(events / secs(tEnqueued - t0)));
			throughput.put("exec_per_s", round(handler.runs.get() / secs(tLast - t0)));
			throughput.put("last_handler_done_s", round(secs(tLast - t0)));
			throughput.put("all_marked_done_in_db_s", round(secs(tDurable - t0)));
			throughput.put("commit_to_start_ms", percentiles(latencies(handler)));
			throughput.put("duplicates", handler.duplicates.get());
			result.put("throughput", throughput);

			handler.reset();
			int n = rate * seconds;
			long period = 1_000_000_000L / rate;
			long start = System.nanoTime() + 50_000_000L;
			try (ExecutorService senders = Executors.newFixedThreadPool(8)) {
				for (int i = 0; i < n; i++) {
					long target = start + i * period;
					long now;
					while ((now = System.nanoTime()) < target) {
						LockSupport.parkNanos(target - now);
					}
					senders.execute(() -> receive(inbox));
				}
			}
			long sendEnd = System.nanoTime();
			awaitRuns(handler, n);
			Map<String, Object> latency = new LinkedHashMap<>();
			latency.put("target_per_s", rate);
			latency.put("achieved_per_s", round(n / secs(sendEnd - start)));
			latency.put("commit_to_start_ms", percentiles(latencies(handler)));
			latency.put("duplicates", handler.duplicates.get());
			result.put("latency", latency);

			// A backlog already in the database (as after a restart, or work written by another instance): only
			// the claimer can run it, so this is the dispatcher's own rate, without the enqueue in front of it.
			handler.reset();
			int backlog = Integer.getInteger("bench.backlog", events);
			writeBacklog(relay, backlog);
			long tBacklog = System.nanoTime();
			awaitRuns(handler, backlog);
			Map<String, Object> drain = new LinkedHashMap<>();
			drain.put("deliveries", backlog);
			drain.put("exec_per_s", round(backlog / secs(handler.lastEnd.get() - tBacklog)));
			drain.put("duplicates", handler.duplicates.get());
			result.put("backlog", drain);
			System.out.println("RESULT " + json.writeValueAsString(result));
		}
	}

	/** Events with a PENDING delivery to the bench handler, written straight into the tables in one commit. */
	private static void writeBacklog(ConfigurableApplicationContext relay, int count) {
		List<Object[]> events = new ArrayList<>(count);
		List<Object[]> deliveries = new ArrayList<>(count);
		Timestamp now = Timestamp.from(Instant.now());
		for (int i = 0; i < count; i++) {
			String id = UUID.randomUUID().toString();
			byte[] body = ("{\"eventId\":\"" + id + "\",\"eventType\":\"user.created\",\"platform\":\"sd\","
					+ "\"clientId\":1,\"userId\":1}").getBytes(StandardCharsets.UTF_8);
			events.add(new Object[] { id, "user.created", "application/json", body, now });
			deliveries.add(new Object[] { id, now, now, now });
		}
		JdbcTemplate jdbc = relay.getBean(JdbcTemplate.class);
		relay.getBean(TransactionTemplate.class).executeWithoutResult((status) -> {
			jdbc.batchUpdate("insert into inbox_event (event_id, event_type, content_type, payload, received_at) "
					+ "values (?, ?, ?, ?, ?)", events);
			jdbc.batchUpdate("insert into dispatch_delivery (event_id, handler, status, attempts, max_attempts, "
					+ "next_attempt_at, created_at, updated_at) values (?, 'bench', 'PENDING', 0, 10, ?, ?, ?)",
					deliveries);
		});
	}

	private static void burst(Inbox inbox, int count, int producers) throws InterruptedException {
		try (ExecutorService pool = Executors.newFixedThreadPool(producers)) {
			for (int p = 0; p < producers; p++) {
				int share = count / producers + ((p < count % producers) ? 1 : 0);
				pool.execute(() -> {
					for (int i = 0; i < share; i++) {
						receive(inbox);
					}
				});
			}
			pool.shutdown();
			pool.awaitTermination(10, TimeUnit.MINUTES);
		}
	}

	private static void receive(Inbox inbox) {
		String id = UUID.randomUUID().toString();
		String body = "{\"eventId\":\"" + id + "\",\"eventType\":\"user.created\",\"platform\":\"sd\",\"clientId\":1,"
				+ "\"userId\":1}";
		byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
		try {
			// Parsed here as the webhook parses every request before the inbox: deliveries that go straight from the
			// intake to a worker reuse that event, those read back from the database (the backlog phase) parse again.
			inbox.receive(new IncomingEvent(parser.parse(bytes, PayloadFormat.JSON, null, null), "application/json",
					bytes, null, null, Instant.now()));
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void awaitRuns(BenchHandler handler, int count) {
		await().atMost(java.time.Duration.ofMinutes(10)).until(() -> handler.runs.get() >= count);
	}

	private static List<Double> latencies(BenchHandler handler) {
		List<Double> values = new ArrayList<>();
		handler.started.forEach((id, start) -> {
			Long commit = handler.committed.get(id);
			if (commit != null) {
				values.add((start - commit) / 1e6);
			}
		});
		values.sort(Double::compare);
		return values;
	}

	private static Map<String, Object> percentiles(List<Double> sorted) {
		Map<String, Object> out = new LinkedHashMap<>();
		for (double p : new double[] { 50, 90, 99 }) {
			out.put("p" + (int) p, sorted.isEmpty() ? null
					: round(sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p / 100 * sorted.size()) - 1))));
		}
		out.put("max", sorted.isEmpty() ? null : round(sorted.getLast()));
		out.put("count", sorted.size());
		return out;
	}

	private static double secs(long nanos) {
		return nanos / 1e9;
	}

	private static double round(double value) {
		return Math.round(value * 100) / 100.0;
	}

}
