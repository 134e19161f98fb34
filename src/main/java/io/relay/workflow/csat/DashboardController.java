package io.relay.workflow.csat;

import java.net.URI;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code /dashboard}: the page, its summary API and its live updates. Behind the admin login (HTTP Basic, see the
 * security configuration) like everything but the webhook and health.
 */
@Controller
@ConditionalOnCsatDashboard
@RequestMapping("/dashboard")
class DashboardController {

	private static final Resource PAGE = new ClassPathResource("static/dashboard/index.html");

	private final Summaries summaries;

	private final SharedSummaries shared;

	private final DashboardUpdates updates;

	private final CsatDashboardProperties properties;

	DashboardController(Summaries summaries, Answers answers, DashboardUpdates updates,
			CsatDashboardProperties properties, MeterRegistry registry, Clock clock) {
		this.summaries = summaries;
		this.shared = new SharedSummaries(answers::lastChange, summaries::summarize, registry,
				SharedSummaries.TURN_WAIT, SharedSummaries.SHARE_WAIT, clock);
		this.updates = updates;
		this.properties = properties;
	}

	@GetMapping({ "", "/" })
	ResponseEntity<Resource> page() {
		return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).cacheControl(CacheControl.noCache()).body(PAGE);
	}

	/**
	 * The figures of the answers given from {@code from} to {@code to} (ISO dates such as {@code 2026-11-25}, both
	 * included, in the dashboard's time zone); by default the last {@code default-days} days up to today. Shared
	 * with the other pages asking for the same range (see {@link SharedSummaries}).
	 */
	@GetMapping(path = "/api/summary", produces = MediaType.APPLICATION_JSON_VALUE)
	@ResponseBody
	Summary summary(@RequestParam(required = false) @Nullable String from,
			@RequestParam(required = false) @Nullable String to) {
		LocalDate last = (to != null && !to.isBlank()) ? date("to", to) : this.summaries.today();
		LocalDate first = (from != null && !from.isBlank()) ? date("from", from)
				: last.minusDays(this.properties.defaultDays() - 1);
		if (first.isAfter(last)) {
			throw badRequest("'from' (" + first + ") must not be after 'to' (" + last + ")", "from");
		}
		long days = ChronoUnit.DAYS.between(first, last) + 1;
		if (days > CsatDashboardProperties.MAX_DAYS) {
			throw badRequest("The range covers " + days + " days; at most " + CsatDashboardProperties.MAX_DAYS
					+ " can be asked for at once", "from");
		}
		return this.shared.summarize(first, last);
	}

	/** Server-sent events: {@code ready} once connected, then {@code changed} whenever the figures may have. */
	@GetMapping(path = "/api/updates", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	@ResponseBody
	SseEmitter updates(HttpServletResponse response) {
		// nginx buffers a proxied answer by default, which would hold the events back: not this one.
		response.setHeader("X-Accel-Buffering", "no");
		return this.updates.subscribe();
	}

	private static LocalDate date(String parameter, String value) {
		LocalDate date;
		try {
			date = LocalDate.parse(value);
		}
		catch (DateTimeParseException ex) {
			throw badRequest("'" + parameter + "' must be a date such as 2026-11-25, not '" + abbreviate(value) + "'",
					parameter);
		}
		// Years a database date holds, with room for the default range before it (a year such as +999999999 made
		// the range arithmetic or the query fail with a 500).
		if (date.getYear() < 1000 || date.getYear() > 9999) {
			throw badRequest("'" + parameter + "' must be a date between the years 1000 and 9999, not '"
					+ abbreviate(value) + "'", parameter);
		}
		return date;
	}

	private static ErrorResponseException badRequest(String detail, String parameter) {
		// Type about:blank, so the title is the status phrase (RFC 9457); "parameter" names the culprit.
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
		problem.setInstance(URI.create("/dashboard/api/summary"));
		problem.setProperty("parameter", parameter);
		return new ErrorResponseException(HttpStatus.BAD_REQUEST, problem, null);
	}

	private static String abbreviate(String value) {
		return (value.length() <= 40) ? value : value.substring(0, 40) + "…";
	}

}
