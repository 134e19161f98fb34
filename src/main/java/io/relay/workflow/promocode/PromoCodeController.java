package io.relay.workflow.promocode;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code /admin/api/promo-codes/{campaign}}: fills and reads the promo code pools (HTTP Basic, like all of
 * {@code /admin}). Available whether or not the workflow is enabled, so that a pool can be filled before it starts.
 * Errors are RFC 9457 problem details; an import is all or nothing.
 */
@RestController
@RequestMapping("/admin/api/promo-codes/{campaign}")
class PromoCodeController {

	private static final Logger logger = LoggerFactory.getLogger(PromoCodeController.class);

	static final int MAX_BYTES = 10 * 1024 * 1024;

	static final int MAX_GENERATED = 10_000;

	private static final int EXPORT_PAGE = 5_000;

	private final PromoCodePool pool;

	PromoCodeController(PromoCodePool pool) {
		this.pool = pool;
	}

	/** The pool's size: codes in total, still free, handed out. */
	@GetMapping
	PoolView pool(@PathVariable String campaign) {
		return view(this.pool.stats(campaign(campaign)));
	}

	/**
	 * The campaign's codes as CSV ({@code code,origin,batch,created_at,assigned_at}), in the order they were added:
	 * all, or only the {@code free} or {@code assigned} ones. What to load into the shop again when a generation's
	 * answer was lost, or to check what the shop has. No visitor data.
	 */
	@GetMapping("/codes")
	void codes(@PathVariable String campaign, @RequestParam(required = false) @Nullable String status,
			HttpServletResponse response) throws IOException {
		String name = campaign(campaign);
		Boolean assigned = switch ((status != null) ? status : "") {
			case "" -> null;
			case "free" -> false;
			case "assigned" -> true;
			default -> throw problem(HttpStatus.BAD_REQUEST, "status must be free or assigned (or absent for all), "
					+ "not '" + status + "'", null);
		};
		// The first page before any header: a database that fails at once gets a problem answer, not a CSV file.
		List<PromoCodePool.CodeRow> page = this.pool.codes(name, 0, EXPORT_PAGE, assigned);
		response.setContentType("text/csv;charset=UTF-8");
		response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
			.filename(name + "-codes.csv")
			.build()
			.toString());
		// Page by page: a pool can hold a million codes, and no transaction is held while the client reads. A
		// failure past the first page ends the answer early, without its last chunk: clients see it cut short.
		Writer out = new BufferedWriter(new OutputStreamWriter(response.getOutputStream(), StandardCharsets.UTF_8));
		out.write("code,origin,batch,created_at,assigned_at\n");
		long after = 0;
		while (true) {
			for (PromoCodePool.CodeRow row : page) {
				// Codes, origins, batch ids and instants hold no comma, quote or line break: nothing to escape.
				out.write(row.code() + "," + row.origin() + "," + row.batch() + "," + row.createdAt() + ","
						+ ((row.assignedAt() != null) ? row.assignedAt() : "") + "\n");
				after = row.id();
			}
			if (page.size() < EXPORT_PAGE) {
				break;
			}
			page = this.pool.codes(name, after, EXPORT_PAGE, assigned);
		}
		out.flush();
	}

	/**
	 * Imports a CSV file sent as the body ({@code text/csv}): one code per line in the first column, an optional
	 * {@code code} header. All or nothing: a malformed line, a duplicate or a code that exists already (in any
	 * campaign) rejects the whole file.
	 */
	@PostMapping(consumes = { "text/csv", MediaType.TEXT_PLAIN_VALUE, MediaType.APPLICATION_OCTET_STREAM_VALUE })
	ImportView importBody(@PathVariable String campaign, HttpServletRequest request) throws IOException {
		try (InputStream body = request.getInputStream()) {
			return importCodes(campaign(campaign), limited(body.readNBytes(MAX_BYTES + 1)));
		}
	}

	/** Imports a CSV file uploaded as the {@code file} part of a form ({@code multipart/form-data}). */
	@PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
	ImportView importFile(@PathVariable String campaign, @RequestPart("file") MultipartFile file) throws IOException {
		String name = campaign(campaign);
		if (file.getSize() > MAX_BYTES) {
			throw tooLarge();
		}
		return importCodes(name, file.getBytes());
	}

	/** Generates codes from a pattern such as {@code SPRING-{8 alnum}} and adds them to the pool. */
	@PostMapping(path = "/generate", consumes = MediaType.APPLICATION_JSON_VALUE)
	GeneratedView generate(@PathVariable String campaign, @RequestBody GenerateRequest request) {
		String name = campaign(campaign);
		if (request.count() < 1 || request.count() > MAX_GENERATED) {
			throw problem(HttpStatus.BAD_REQUEST, "count must be between 1 and " + MAX_GENERATED, null);
		}
		CodePattern pattern;
		try {
			pattern = CodePattern.parse((request.pattern() != null) ? request.pattern() : "");
		}
		catch (IllegalArgumentException ex) {
			throw problem(HttpStatus.BAD_REQUEST, "Invalid pattern: " + ex.getMessage(), null);
		}
		List<String> codes = this.pool.generate(name, pattern, request.count());
		logger.info("Generated {} promo codes for campaign '{}'", codes.size(), name);
		return new GeneratedView(name, codes.size(), this.pool.available(name), codes);
	}

	private ImportView importCodes(String campaign, byte[] bytes) {
		CsvCodes.Parsed parsed = CsvCodes.parse(bytes);
		if (!parsed.valid()) {
			throw problem(HttpStatus.BAD_REQUEST, "The file has " + parsed.problemCount() + " problem(s); nothing was "
					+ "imported" + ((parsed.problemCount() > parsed.problems().size())
							? " (the first " + parsed.problems().size() + " are listed)" : ""),
					parsed.problems().stream().map((p) -> Map.<String, Object>of("line", p.line(), "reason", p.reason())).toList());
		}
		try {
			int imported = this.pool.add(campaign, parsed.codes(), "IMPORTED");
			logger.info("Imported {} promo codes into campaign '{}'", imported, campaign);
			return new ImportView(campaign, imported, this.pool.available(campaign));
		}
		catch (PromoCodePool.ExistingCodes ex) {
			List<Map<String, Object>> errors = ex.byCode()
				.entrySet()
				.stream()
				.limit(CsvCodes.MAX_REPORTED)
				.map((entry) -> Map.<String, Object>of("code", entry.getKey(), "reason",
						"exists already in campaign '" + entry.getValue().campaign() + "'"
								+ (entry.getKey().equals(entry.getValue().code()) ? ""
										: " as '" + entry.getValue().code() + "'")))
				.toList();
			throw problem(HttpStatus.CONFLICT, ex.byCode().size() + " code(s) of the file exist already "
					+ "(codes are unique across campaigns, whatever their case); nothing was imported", errors);
		}
	}

	private static byte[] limited(byte[] bytes) {
		if (bytes.length > MAX_BYTES) {
			throw tooLarge();
		}
		return bytes;
	}

	private static ErrorResponseException tooLarge() {
		return problem(HttpStatus.CONTENT_TOO_LARGE, "The file is larger than " + (MAX_BYTES / 1024 / 1024)
				+ " MB; split it", null);
	}

	private static String campaign(String campaign) {
		if (!Codes.isValidCampaign(campaign)) {
			throw problem(HttpStatus.BAD_REQUEST, "Invalid campaign name '" + campaign + "': " + Codes.RULE, null);
		}
		return campaign;
	}

	private static ErrorResponseException problem(HttpStatus status, String detail,
			@Nullable List<Map<String, Object>> errors) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		if (errors != null) {
			problem.setProperty("errors", errors);
		}
		return new ErrorResponseException(status, problem, null);
	}

	private static PoolView view(PromoCodePool.Stats stats) {
		return new PoolView(stats.campaign(), stats.total(), stats.available(), stats.assigned());
	}

	record GenerateRequest(@Nullable String pattern, int count) {
	}

	record PoolView(String campaign, long total, long available, long assigned) {
	}

	record ImportView(String campaign, int imported, long available) {
	}

	record GeneratedView(String campaign, int generated, long available, List<String> codes) {
	}

}
