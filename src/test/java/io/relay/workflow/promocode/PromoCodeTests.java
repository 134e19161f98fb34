package io.relay.workflow.promocode;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.relay.support.AdminClient;
import io.relay.support.Fixtures;
import io.relay.support.IAdvizeStubs;
import io.relay.support.MailContent;
import io.relay.support.TestSmtp;
import io.relay.support.WebhookClient;
import io.relay.system.PurgeSchedule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.config.FixedRateTask;
import org.springframework.scheduling.config.ScheduledTask;
import org.springframework.scheduling.config.ScheduledTaskHolder;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The promo code email end to end (signed close events in, iAdvize on WireMock, GreenMail out), the pool under
 * concurrency, and the admin API that fills it. Run on H2 and PostgreSQL by the subclasses.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "relay.webhook.secrets=" + WebhookClient.SECRET, "spring.security.user.name=" + AdminClient.USER,
				"spring.security.user.password=" + AdminClient.PASSWORD, "relay.dispatch.poll-interval=50ms",
				"relay.workflows.log.enabled=false", "relay.workflows.promo-code.enabled=true",
				"relay.workflows.promo-code.from=Example Shop <offers@example.com>",
				"relay.workflows.promo-code.campaign=" + PromoCodeTests.CAMPAIGN,
				"relay.dispatch.handlers.promo-code.max-attempts=100",
				"relay.dispatch.handlers.promo-code.initial-backoff=20ms",
				"relay.dispatch.handlers.promo-code.max-backoff=100ms" })
abstract class PromoCodeTests {

	static final String CAMPAIGN = "spring-sale";

	@RegisterExtension
	static WireMockExtension iadvize = WireMockExtension.newInstance().options(IAdvizeStubs.wireMock()).build();

	static final TestSmtp smtp = TestSmtp.start();

	final IAdvizeStubs stubs = new IAdvizeStubs(iadvize);

	@LocalServerPort
	int port;

	@Autowired
	JdbcTemplate jdbc;

	@Autowired
	PromoCodePool pool;

	@Autowired
	PromoCodeStats stats;

	@Autowired
	ScheduledTaskHolder scheduledTasks;

	@Autowired
	PromoCodeTransactions transactions;

	WebhookClient webhook;

	AdminClient admin;

	@DynamicPropertySource
	static void servers(DynamicPropertyRegistry registry) {
		new IAdvizeStubs(iadvize).register(registry);
		smtp.register(registry);
	}

	@BeforeEach
	void clients() {
		this.webhook = WebhookClient.onPort(this.port);
		this.admin = AdminClient.onPort(this.port);
		importCsv(CAMPAIGN, "code\n" + String.join("\n", freshCodes(5)));
	}

	@Test
	void oldRecordedTransactionsArePurgedWithTheRetentionPurgesRhythm() {
		String gone = UUID.randomUUID().toString();
		// Recorded 40 days ago, and its conversation has no event stored any more.
		this.jdbc.update("insert into promo_code_transaction (event_id, conversation_id, received_at) values (?, ?, ?)",
				UUID.randomUUID().toString(), gone, Timestamp.from(Instant.now().minus(Duration.ofDays(40))));
		// Every relay.dispatch.purge-interval (1 h), the first a minute after start: the retention purge and this one.
		List<FixedRateTask> purges = this.scheduledTasks.getScheduledTasks()
			.stream()
			.map(ScheduledTask::getTask)
			.filter(FixedRateTask.class::isInstance)
			.map(FixedRateTask.class::cast)
			.filter((task) -> task.getIntervalDuration().equals(Duration.ofHours(1))
					&& task.getInitialDelayDuration().equals(PurgeSchedule.FIRST_RUN))
			.toList();
		assertThat(purges).hasSize(2);
		assertThat(this.transactions.any(gone)).isTrue();

		purges.forEach((task) -> task.getRunnable().run());

		assertThat(this.transactions.any(gone)).isFalse();
	}

	@Test
	void emailsTheVisitorACodeFromThePool() {
		String visitor = visitorWithEmail();
		String conversation = UUID.randomUUID().toString();
		Fixtures.Event event = deliver(conversation, visitor);
		this.admin.awaitDelivery(event.eventId(), "promo-code", "SUCCEEDED");

		String code = codeOf(conversation);
		List<MailContent> mails = mailsTo(visitor);
		assertThat(mails).hasSize(1);
		assertThat(mails.getFirst().subject()).isEqualTo("Your promo code: " + code);
		assertThat(mails.getFirst().from()).isEqualTo("Example Shop <offers@example.com>");
		assertThat(mails.getFirst().text()).startsWith("Hello Ada,").contains("    " + code);
		assertThat(mails.getFirst().html()).contains(">" + code + "</p>");
		assertThat(this.jdbc.queryForObject("select visitor_key from promo_code where code = ?", String.class, code))
			.isEqualTo(PromoCodeHandler.visitorKey(email(visitor))).doesNotContain("@");
	}

	@Test
	void aVisitorWithoutEmailIsSkippedAndGetsNoCode() {
		String visitor = IAdvizeStubs.newVisitorId();
		this.stubs.visitor(visitor, null, "Ada");
		String conversation = UUID.randomUUID().toString();
		Fixtures.Event event = deliver(conversation, visitor);
		JsonNode delivery = this.admin.awaitDelivery(event.eventId(), "promo-code", "SKIPPED");
		assertThat(delivery.get("lastError").asString()).isEqualTo("visitor has no email address");
		assertThat(this.jdbc.queryForObject("select count(*) from promo_code where conversation_id = ?", Integer.class,
				conversation)).isZero();
	}

	@Test
	void aReplaySendsNothingNewAndAVisitorGetsOneCodePerCampaignEver() {
		String visitor = visitorWithEmail();
		Fixtures.Event event = deliver(UUID.randomUUID().toString(), visitor);
		this.admin.awaitDelivery(event.eventId(), "promo-code", "SUCCEEDED");
		this.admin.replay(event.eventId(), "promo-code");
		await().until(() -> this.admin.delivery(event.eventId(), "promo-code"),
				(delivery) -> delivery.get("history").size() == 2 && "SKIPPED".equals(delivery.get("status").asString()));

		Fixtures.Event later = deliver(UUID.randomUUID().toString(), visitor);
		assertThat(this.admin.awaitDelivery(later.eventId(), "promo-code", "SKIPPED").get("lastError").asString())
			.startsWith("the visitor already received a code of campaign 'spring-sale'");
		assertThat(mailsTo(visitor)).hasSize(1);
	}

	@Test
	void withTheSmtpServerDownTheDeliveryRetriesAndSendsExactlyOneEmailWithOneCode() {
		String visitor = visitorWithEmail();
		String conversation = UUID.randomUUID().toString();
		smtp.stop();
		try {
			Fixtures.Event event = deliver(conversation, visitor);
			await().until(() -> this.admin.delivery(event.eventId(), "promo-code"),
					(delivery) -> delivery != null && delivery.get("attempts").asInt() >= 3);
			smtp.restart();
			this.admin.awaitDelivery(event.eventId(), "promo-code", "SUCCEEDED");
		}
		finally {
			smtp.restart();
		}
		await().during(Duration.ofMillis(500)).until(() -> mailsTo(visitor).size() == 1);
		assertThat(mailsTo(visitor).getFirst().subject()).endsWith(codeOf(conversation));
		assertThat(this.jdbc.queryForObject("select count(*) from promo_code where conversation_id = ?", Integer.class,
				conversation)).isOne();
	}

	@Test
	void aVisitorWhoseAddressChangesBetweenAttemptsGetsTheCodeTakenByTheFirstUnderTheNewAddress() {
		String visitor = visitorWithEmail();
		String conversation = UUID.randomUUID().toString();
		smtp.stop();
		try {
			Fixtures.Event event = deliver(conversation, visitor);
			await().until(() -> this.jdbc.queryForObject("select count(*) from promo_code where conversation_id = ?",
					Integer.class, conversation) == 1);
			// The visitor corrects their address in iAdvize before the email could go out
			this.stubs.visitor(visitor, "corrected." + email(visitor), "Ada");
			await().until(() -> this.admin.delivery(event.eventId(), "promo-code"),
					(delivery) -> delivery.get("attempts").asInt() >= 3);
			smtp.restart();
			this.admin.awaitDelivery(event.eventId(), "promo-code", "SUCCEEDED");
		}
		finally {
			smtp.restart();
		}
		List<String> codes = this.jdbc.queryForList("select code from promo_code where conversation_id = ?",
				String.class, conversation);
		assertThat(codes).hasSize(1);
		List<MailContent> mails = smtp.messagesTo("corrected." + email(visitor)).stream().map(MailContent::of).toList();
		assertThat(mails).singleElement()
			.satisfies((mail) -> assertThat(mail.subject()).isEqualTo("Your promo code: " + codes.getFirst()));
		// The code is the current address's now: a later conversation gets no second one, and the former address
		// (which never received it) is not held to it.
		assertThat(this.jdbc.queryForObject("select visitor_key from promo_code where code = ?", String.class,
				codes.getFirst())).isEqualTo(PromoCodeHandler.visitorKey("corrected." + email(visitor)));
		Fixtures.Event later = deliver(UUID.randomUUID().toString(), visitor);
		assertThat(this.admin.awaitDelivery(later.eventId(), "promo-code", "SKIPPED").get("lastError").asString())
			.startsWith("the visitor already received a code of campaign 'spring-sale' (conversation " + conversation);
		assertThat(this.jdbc.queryForObject("select count(*) from promo_code where visitor_key = ?", Integer.class,
				PromoCodeHandler.visitorKey(email(visitor)))).isZero();
	}

	@Test
	void aConversationsCodeStaysPutWhenTheVisitorsCurrentAddressHoldsAnotherCodeOfTheCampaign() {
		String campaign = "moved-" + UUID.randomUUID();
		List<String> codes = freshCodes(3);
		this.pool.add(campaign, codes, "IMPORTED");
		String former = PromoCodeHandler.visitorKey("former." + UUID.randomUUID() + "@example.net");
		String current = PromoCodeHandler.visitorKey("current." + UUID.randomUUID() + "@example.net");
		// An attempt at conversation-1 took a code for the former address; its email did not go out. Meanwhile the
		// current address got one with conversation-2.
		assertThat(this.pool.assign(campaign, former, "v", "conversation-1", "k1"))
			.isEqualTo(new PromoCodePool.Assignment.Assigned(codes.get(0)));
		assertThat(this.pool.assign(campaign, current, "v", "conversation-2", "k2"))
			.isEqualTo(new PromoCodePool.Assignment.Assigned(codes.get(1)));

		assertThat(this.pool.assign(campaign, current, "v", "conversation-1", "k1"))
			.isEqualTo(new PromoCodePool.Assignment.AlreadyAssigned(codes.get(1), "conversation-2"));
		assertThat(this.jdbc.queryForObject("select visitor_key from promo_code where code = ?", String.class,
				codes.get(0))).isEqualTo(former);
		assertThat(this.pool.stats(campaign).assigned()).isEqualTo(2);

		// Without another code at the current address, the conversation's code is its (recorded so once sent).
		String newest = PromoCodeHandler.visitorKey("newest." + UUID.randomUUID() + "@example.net");
		assertThat(this.pool.assign(campaign, newest, "v", "conversation-1", "k1"))
			.isEqualTo(new PromoCodePool.Assignment.Assigned(codes.get(0)));
		assertThat(this.pool.stats(campaign).assigned()).isEqualTo(2);
	}

	@Test
	void twentyConcurrentClosesOfOneVisitorHandOutOneCode() throws Exception {
		importCsv(CAMPAIGN, String.join("\n", freshCodes(25)));
		String visitor = visitorWithEmail();
		List<Fixtures.Event> events = concurrently(20, () -> deliver(UUID.randomUUID().toString(), visitor));

		List<String> outcomes = new ArrayList<>();
		for (Fixtures.Event event : events) {
			JsonNode delivery = await().atMost(Duration.ofSeconds(30))
				.until(() -> this.admin.delivery(event.eventId(), "promo-code"), (d) -> d != null
						&& ("SUCCEEDED".equals(d.get("status").asString()) || "SKIPPED".equals(d.get("status").asString())));
			outcomes.add(delivery.get("status").asString());
		}
		assertThat(outcomes).containsOnlyOnce("SUCCEEDED").filteredOn("SKIPPED"::equals).hasSize(19);
		assertThat(mailsTo(visitor)).hasSize(1);
		assertThat(this.jdbc.queryForObject("select count(*) from promo_code where visitor_key = ?", Integer.class,
				PromoCodeHandler.visitorKey(email(visitor)))).isOne();
	}

	@Test
	void theSameVisitorRacingInTwoCampaignsGetsOneCodeInEachAndNoCodeGoesTwice() throws Exception {
		String visitorKey = PromoCodeHandler.visitorKey("racer." + UUID.randomUUID() + "@example.net");
		String first = "race-a-" + UUID.randomUUID();
		String second = "race-b-" + UUID.randomUUID();
		this.pool.add(first, freshCodes(30), "IMPORTED");
		this.pool.add(second, freshCodes(30), "IMPORTED");

		List<PromoCodePool.Assignment> assignments = concurrently(40, new Callable<>() {

			private final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

			@Override
			public PromoCodePool.Assignment call() {
				int call = this.calls.getAndIncrement();
				return PromoCodeTests.this.pool.assign((call % 2 == 0) ? first : second, visitorKey, "v",
						"conversation-" + call, "key-" + call);
			}

		});
		assertThat(assignments).filteredOn(PromoCodePool.Assignment.Assigned.class::isInstance).hasSize(2);
		assertThat(assignments).filteredOn(PromoCodePool.Assignment.AlreadyAssigned.class::isInstance).hasSize(38);
		assertThat(this.pool.stats(first).assigned()).isOne();
		assertThat(this.pool.stats(second).assigned()).isOne();

		// Twenty visitors at once: twenty different codes.
		List<PromoCodePool.Assignment> many = concurrently(20, () -> this.pool.assign(first,
				PromoCodeHandler.visitorKey(UUID.randomUUID() + "@example.net"), "v", UUID.randomUUID().toString(), "k"));
		Set<String> codes = new HashSet<>();
		many.forEach((assignment) -> codes.add(((PromoCodePool.Assignment.Assigned) assignment).code()));
		assertThat(codes).hasSize(20);
		assertThat(this.pool.stats(first).assigned()).isEqualTo(21);
	}

	@Test
	void aValidCsvIsImportedWhole() {
		String campaign = "import-" + UUID.randomUUID();
		List<String> codes = freshCodes(4);
		String csv = "\uFEFFcode,comment\r\n" + codes.get(0) + ",first\r\n\"" + codes.get(1) + "\";second\r\n\r\n"
				+ codes.get(2) + "\n" + "  " + codes.get(3) + "  \n";
		HttpResponse<String> response = importCsv(campaign, csv);
		assertThat(response.statusCode()).isEqualTo(200);
		JsonNode body = AdminClient.read(response.body());
		assertThat(body.get("imported").asInt()).isEqualTo(4);
		assertThat(body.get("available").asInt()).isEqualTo(4);
		assertThat(this.jdbc.queryForList("select code from promo_code where campaign = ? order by id", String.class,
				campaign)).containsExactlyElementsOf(codes);

		JsonNode stats = AdminClient.read(this.admin.send("GET", "/admin/api/promo-codes/" + campaign, null, null).body());
		assertThat(stats.get("total").asInt()).isEqualTo(4);
		assertThat(stats.get("assigned").asInt()).isZero();
	}

	@Test
	void aMalformedCsvIsRefusedWithItsLinesAndNothingIsImported() {
		String campaign = "malformed-" + UUID.randomUUID();
		List<String> codes = freshCodes(2);
		String csv = codes.get(0) + "\nnot a code!\n" + codes.get(1) + "\n" + codes.get(0) + "\n\"unclosed\n";
		HttpResponse<String> response = importCsv(campaign, csv);
		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		JsonNode problem = AdminClient.read(response.body());
		assertThat(problem.get("detail").asString()).isEqualTo("The file has 3 problem(s); nothing was imported");
		assertThat(problem.get("title").asString()).isEqualTo("Bad Request");
		assertThat(problem.get("instance").asString()).isEqualTo("/admin/api/promo-codes/" + campaign);
		assertThat(problem.get("errors")).extracting((error) -> error.get("line").asInt()).containsExactly(2, 4, 5);
		assertThat(problem.get("errors").get(1).get("reason").asString()).isEqualTo("'" + codes.get(0)
				+ "' is a duplicate of line 1");
		assertThat(this.pool.stats(campaign).total()).isZero();

		HttpResponse<String> empty = importCsv(campaign, "code\n\n");
		assertThat(empty.statusCode()).isEqualTo(400);
		assertThat(AdminClient.read(empty.body()).get("errors").get(0).get("reason").asString())
			.isEqualTo("the file holds no code");
	}

	@Test
	void aCodeThatExistsInAnyCampaignRefusesTheWholeFile() {
		String taken = freshCodes(1).getFirst();
		importCsv("other-" + UUID.randomUUID(), taken);
		String campaign = "conflict-" + UUID.randomUUID();
		HttpResponse<String> response = importCsv(campaign, String.join("\n", freshCodes(3)) + "\n" + taken);
		assertThat(response.statusCode()).isEqualTo(409);
		JsonNode problem = AdminClient.read(response.body());
		assertThat(problem.get("errors").get(0).get("code").asString()).isEqualTo(taken);
		assertThat(this.pool.stats(campaign).total()).isZero();
	}

	@Test
	void aCodeThatExistsWithAnotherCaseRefusesTheWholeFileToo() {
		String other = "other-" + UUID.randomUUID();
		String taken = "Case-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(java.util.Locale.ROOT);
		importCsv(other, taken);
		String campaign = "conflict-" + UUID.randomUUID();
		String lower = taken.toLowerCase(java.util.Locale.ROOT);
		HttpResponse<String> response = importCsv(campaign, String.join("\n", freshCodes(3)) + "\n" + lower);
		assertThat(response.statusCode()).isEqualTo(409);
		JsonNode problem = AdminClient.read(response.body());
		assertThat(problem.get("detail").asString()).isEqualTo("1 code(s) of the file exist already (codes are unique "
				+ "across campaigns, whatever their case); nothing was imported");
		assertThat(problem.get("errors").get(0).get("code").asString()).isEqualTo(lower);
		assertThat(problem.get("errors").get(0).get("reason").asString())
			.isEqualTo("exists already in campaign '" + other + "' as '" + taken + "'");
		assertThat(this.pool.stats(campaign).total()).isZero();

		// The database refuses one too, for an import that raced past the check.
		assertThatExceptionOfType(org.springframework.dao.DuplicateKeyException.class)
			.isThrownBy(() -> this.jdbc.update("insert into promo_code (campaign, code, code_key, origin, batch_id, "
					+ "created_at) values (?, ?, ?, 'IMPORTED', 'b', current_timestamp)", campaign, lower,
					PromoCodePool.key(lower)));
	}

	@Test
	void aCsvCanBeUploadedAsAFormFileAndCodesGeneratedFromAPattern() {
		String campaign = "upload-" + UUID.randomUUID();
		List<String> codes = freshCodes(2);
		String boundary = "relay-" + UUID.randomUUID();
		String form = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"codes.csv\"\r\n"
				+ "Content-Type: text/csv\r\n\r\n" + String.join("\n", codes) + "\r\n--" + boundary + "--\r\n";
		HttpResponse<String> uploaded = this.admin.send("POST", "/admin/api/promo-codes/" + campaign,
				"multipart/form-data; boundary=" + boundary, form.getBytes(StandardCharsets.UTF_8));
		assertThat(uploaded.statusCode()).isEqualTo(200);
		assertThat(AdminClient.read(uploaded.body()).get("imported").asInt()).isEqualTo(2);

		HttpResponse<String> generated = this.admin.send("POST", "/admin/api/promo-codes/" + campaign + "/generate",
				"application/json", "{\"pattern\": \"SPRING-{8 alnum}\", \"count\": 50}".getBytes(StandardCharsets.UTF_8));
		assertThat(generated.statusCode()).isEqualTo(200);
		JsonNode body = AdminClient.read(generated.body());
		assertThat(body.get("generated").asInt()).isEqualTo(50);
		assertThat(body.get("available").asInt()).isEqualTo(52);
		assertThat(body.get("codes")).hasSize(50)
			.allSatisfy((code) -> assertThat(code.asString()).matches("SPRING-[A-Z0-9]{8}"));

		HttpResponse<String> weak = this.admin.send("POST", "/admin/api/promo-codes/" + campaign + "/generate",
				"application/json", "{\"pattern\": \"SPRING-{4 digit}\", \"count\": 5}".getBytes(StandardCharsets.UTF_8));
		assertThat(weak.statusCode()).isEqualTo(400);
		assertThat(AdminClient.read(weak.body()).get("detail").asString()).contains("13 bits of randomness");
	}

	@Test
	void theCodesAreExportedAsCsvAllFreeOrAssignedAcrossPages() {
		String campaign = "export-" + UUID.randomUUID();
		List<String> imported = freshCodes(3);
		assertThat(importCsv(campaign, String.join("\n", imported)).statusCode()).isEqualTo(200);
		String assigned = ((PromoCodePool.Assignment.Assigned) this.pool.assign(campaign,
				PromoCodeHandler.visitorKey("ada@example.net"), "visitor-7f3a", "conversation-1", "key-1")).code();
		// More than one page of the export (5,000 codes)
		assertThat(this.admin.send("POST", "/admin/api/promo-codes/" + campaign + "/generate", "application/json",
				"{\"pattern\": \"EXP-{10 alnum}\", \"count\": 6000}".getBytes(StandardCharsets.UTF_8)).statusCode())
			.isEqualTo(200);

		HttpResponse<String> all = this.admin.send("GET", "/admin/api/promo-codes/" + campaign + "/codes", null, null);
		assertThat(all.statusCode()).isEqualTo(200);
		assertThat(all.headers().firstValue("Content-Type")).hasValue("text/csv;charset=UTF-8");
		assertThat(all.headers().firstValue("Content-Disposition"))
			.hasValue("attachment; filename=\"" + campaign + "-codes.csv\"");
		List<String> lines = all.body().lines().toList();
		assertThat(lines.getFirst()).isEqualTo("code,origin,batch,created_at,assigned_at");
		assertThat(lines).hasSize(1 + 3 + 6000).doesNotHaveDuplicates();
		assertThat(lines.subList(1, 4)).extracting((line) -> line.split(",")[0]).containsExactlyElementsOf(imported);
		assertThat(lines.subList(1, 4)).filteredOn((line) -> line.startsWith(assigned + ",")).singleElement()
			.satisfies((line) -> assertThat(line).matches(".*,IMPORTED,[0-9a-f-]{36},[^,]+Z,[^,]+Z"));
		assertThat(lines.subList(4, lines.size())).allMatch((line) -> line.matches("EXP-[A-Z0-9]{10},GENERATED,.*,"));
		assertThat(all.body()).doesNotContain("visitor-7f3a", "conversation-1");

		String free = this.admin.send("GET", "/admin/api/promo-codes/" + campaign + "/codes?status=free", null, null)
			.body();
		assertThat(free.lines()).hasSize(1 + 2 + 6000).noneMatch((line) -> line.startsWith(assigned + ","));
		assertThat(this.admin.send("GET", "/admin/api/promo-codes/" + campaign + "/codes?status=assigned", null, null)
			.body()
			.lines()).hasSize(2).last().asString().startsWith(assigned + ",");
		HttpResponse<String> wrong = this.admin.send("GET", "/admin/api/promo-codes/" + campaign + "/codes?status=used",
				null, null);
		assertThat(wrong.statusCode()).isEqualTo(400);
		assertThat(wrong.headers().firstValue("Content-Type")).hasValue("application/problem+json");
		assertThat(wrong.body()).contains("status must be free or assigned");
	}

	@Test
	void thePoolApiNeedsCredentialsAndAValidCampaignName() throws Exception {
		java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
		HttpResponse<String> anonymous = http.send(java.net.http.HttpRequest
			.newBuilder(java.net.URI.create("http://127.0.0.1:" + this.port + "/admin/api/promo-codes/" + CAMPAIGN))
			.header("Content-Type", "text/csv")
			.POST(java.net.http.HttpRequest.BodyPublishers.ofString("ABC-123"))
			.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(anonymous.statusCode()).isEqualTo(401);
		assertThat(importCsv("no spaces", "ABC").statusCode()).isEqualTo(400);
		assertThat(importCsv("-starts-with-dash", "ABC").statusCode()).isEqualTo(400);
	}

	@Test
	void healthAndMetricsShowTheFreeCodes() {
		// Read from the database every stats-interval: read now, after the import.
		this.stats.refresh();
		long free = this.pool.stats(CAMPAIGN).available();
		assertThat(free).isGreaterThanOrEqualTo(5);
		JsonNode health = AdminClient.read(this.admin.send("GET", "/actuator/health/promoCodes", null, null).body());
		assertThat(health.get("status").asString()).isEqualTo("UP");
		assertThat(health.get("details").get("campaign").asString()).isEqualTo(CAMPAIGN);
		assertThat(health.get("details").get("available").asLong()).isEqualTo(free);
		JsonNode metric = AdminClient.read(this.admin
			.send("GET", "/actuator/metrics/relay.promo.codes.available?tag=campaign:" + CAMPAIGN, null, null)
			.body());
		assertThat(metric.get("measurements").get(0).get("value").asDouble()).isEqualTo(free);
	}

	private HttpResponse<String> importCsv(String campaign, String csv) {
		return this.admin.send("POST", "/admin/api/promo-codes/" + campaign.replace(" ", "%20"), "text/csv",
				csv.getBytes(StandardCharsets.UTF_8));
	}

	static List<String> freshCodes(int count) {
		return IntStream.range(0, count)
			.mapToObj((i) -> "T-" + UUID.randomUUID().toString().substring(0, 13).toUpperCase())
			.toList();
	}

	private String codeOf(String conversation) {
		return this.jdbc.queryForObject("select code from promo_code where conversation_id = ?", String.class,
				conversation);
	}

	private String visitorWithEmail() {
		String visitor = IAdvizeStubs.newVisitorId();
		this.stubs.visitor(visitor, email(visitor), "Ada");
		return visitor;
	}

	private static String email(String visitor) {
		return "visitor." + visitor + "@example.net";
	}

	private Fixtures.Event deliver(String conversation, String visitor) {
		Fixtures.Event event = IAdvizeStubs.closed(conversation, visitor);
		assertThat(this.webhook.deliver(event.body()).statusCode()).isEqualTo(202);
		return event;
	}

	private List<MailContent> mailsTo(String visitor) {
		return smtp.messagesTo(email(visitor)).stream().map(MailContent::of).toList();
	}

	/** Runs {@code count} calls at once, released together, and returns their answers. */
	static <T> List<T> concurrently(int count, Callable<T> call) throws Exception {
		CountDownLatch start = new CountDownLatch(1);
		try (ExecutorService threads = Executors.newFixedThreadPool(count)) {
			List<Future<T>> answers = IntStream.range(0, count).mapToObj((i) -> threads.submit(() -> {
				start.await();
				return call.call();
			})).toList();
			start.countDown();
			List<T> results = new ArrayList<>();
			for (Future<T> answer : answers) {
				results.add(answer.get());
			}
			return results;
		}
	}

}
