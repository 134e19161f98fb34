import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Open-loop load at a fixed rate: sends the requests of a gen-requests.py file (one JSON object a line:
 * method, path, headers, body) at RATE per second for SECONDS, each on its own virtual thread, and measures each
 * latency from the moment the request was due (not from when it was sent), so a stall shows up in the tail instead
 * of silently lowering the rate (no coordinated omission). The first WARMUP seconds (default 0) are sent at the
 * same rate but not recorded, so that neither this client's JIT nor its connection pool is measured. Last line:
 * RATE_RESULT {json}.
 *
 *   java bench/RateLoad.java http://127.0.0.1:8080 requests.jsonl 1000 30 [WARMUP]
 */
public class RateLoad {

	private static final Pattern FIELD = Pattern.compile("\"(method|path|body)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

	private static final Pattern HEADER = Pattern.compile("\"([A-Za-z-]+)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

	record Request(String method, String path, String body, List<String> headers) {
	}

	public static void main(String[] args) throws Exception {
		String base = args[0];
		List<Request> requests = Files.readAllLines(Path.of(args[1])).stream().map(RateLoad::parse).toList();
		int rate = Integer.parseInt(args[2]);
		int seconds = Integer.parseInt(args[3]);
		int warmup = Math.min(rate * ((args.length > 4) ? Integer.parseInt(args[4]) : 0), requests.size());
		int total = Math.min(rate * seconds, requests.size() - warmup);
		HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
		long[] latencies = new long[total];
		Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
		long period = 1_000_000_000L / rate;
		long first = System.nanoTime() + 100_000_000L;
		long start = first + warmup * period;
		try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
			for (int sent = 0; sent < warmup + total; sent++) {
				long due = first + sent * period;
				int index = sent - warmup;
				long now;
				while ((now = System.nanoTime()) < due) {
					LockSupport.parkNanos(due - now);
				}
				Request request = requests.get(sent);
				senders.execute(() -> {
					String status;
					try {
						HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + request.path()))
							.timeout(Duration.ofSeconds(30))
							.method(request.method(), HttpRequest.BodyPublishers.ofString(request.body()));
						for (int h = 0; h < request.headers().size(); h += 2) {
							builder.header(request.headers().get(h), request.headers().get(h + 1));
						}
						int code = http.send(builder.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
						status = (code / 100) + "xx";
					}
					catch (Exception ex) {
						status = "error";
					}
					if (index < 0) {
						return;
					}
					latencies[index] = System.nanoTime() - due;
					statuses.computeIfAbsent(status, (key) -> new AtomicInteger()).incrementAndGet();
				});
			}
		}
		long end = System.nanoTime();
		Arrays.sort(latencies);
		StringBuilder out = new StringBuilder("{\"target_per_s\":" + rate + ",\"requests\":" + total
				+ ",\"achieved_per_s\":" + Math.round(total / ((end - start) / 1e9)) + ",\"latency_ms\":{");
		String[] names = { "p50", "p90", "p99", "p99.9", "max" };
		double[] quantiles = { 0.50, 0.90, 0.99, 0.999, 1.0 };
		for (int q = 0; q < names.length; q++) {
			int at = (int) Math.min(total - 1, Math.ceil(quantiles[q] * total) - 1);
			out.append(q > 0 ? "," : "").append('"').append(names[q]).append("\":")
				.append(Math.round(latencies[Math.max(at, 0)] / 1e4) / 100.0);
		}
		out.append("},\"status\":{");
		List<String> parts = new ArrayList<>();
		statuses.forEach((key, count) -> parts.add("\"" + key + "\":" + count.get()));
		out.append(String.join(",", parts)).append("}}");
		System.out.println("RATE_RESULT " + out);
	}

	private static Request parse(String line) {
		String method = "POST";
		String path = "/webhooks/iadvize";
		String body = "";
		int headersAt = line.indexOf("\"headers\"");
		int headersEnd = line.indexOf('}', headersAt);
		String outside = line.substring(0, headersAt) + line.substring(headersEnd + 1);
		Matcher fields = FIELD.matcher(outside);
		while (fields.find()) {
			String value = unescape(fields.group(2));
			switch (fields.group(1)) {
				case "method" -> method = value;
				case "path" -> path = value;
				default -> body = value;
			}
		}
		List<String> headers = new ArrayList<>();
		Matcher header = HEADER.matcher(line.substring(line.indexOf('{', headersAt) + 1, headersEnd));
		while (header.find()) {
			headers.add(header.group(1));
			headers.add(unescape(header.group(2)));
		}
		return new Request(method, path, body, headers);
	}

	private static String unescape(String text) {
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c != '\\') {
				out.append(c);
				continue;
			}
			char next = text.charAt(++i);
			switch (next) {
				case 'n' -> out.append('\n');
				case 't' -> out.append('\t');
				case 'r' -> out.append('\r');
				case 'u' -> {
					out.append((char) Integer.parseInt(text.substring(i + 1, i + 5), 16));
					i += 4;
				}
				default -> out.append(next);
			}
		}
		return out.toString();
	}

}
