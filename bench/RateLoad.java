import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Open-loop load at a fixed rate: sends the requests of a gen-requests.py file (one JSON object a line:
 * method, path, headers, body) at RATE per second for SECONDS over up to CONNECTIONS keep-alive connections
 * (default 64), and measures each latency from the moment the request was due (not from when it was sent), so a
 * stall shows up in the tail instead of silently lowering the rate (no coordinated omission): a request due while
 * every connection is busy waits, and that wait is counted. The first WARMUP seconds (default 0) are sent at the
 * same rate but not recorded. HTTP/1.1 is written and read by hand on plain sockets: the JDK's HttpClient used
 * about one of the machine's two cores at 1,000 requests/s, which the server under test then lacked.
 * Last line: RATE_RESULT {json}.
 *
 *   java bench/RateLoad.java http://127.0.0.1:8080 requests.jsonl 1000 30 [WARMUP] [CONNECTIONS]
 */
public class RateLoad {

	private static final Pattern FIELD = Pattern.compile("\"(method|path|body)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

	private static final Pattern HEADER = Pattern.compile("\"([A-Za-z-]+)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

	record Request(String method, String path, String body, List<String> headers) {
	}

	/** A request due at {@code due} (System.nanoTime); index < 0 for warm-up requests, null bytes to stop. */
	record Job(int index, long due, byte[] bytes) {
	}

	public static void main(String[] args) throws Exception {
		URI base = URI.create(args[0]);
		List<Request> requests = Files.readAllLines(Path.of(args[1])).stream().map(RateLoad::parse).toList();
		int rate = Integer.parseInt(args[2]);
		int seconds = Integer.parseInt(args[3]);
		int warmup = Math.min(rate * ((args.length > 4) ? Integer.parseInt(args[4]) : 0), requests.size());
		int connections = (args.length > 5) ? Integer.parseInt(args[5]) : 64;
		int total = Math.min(rate * seconds, requests.size() - warmup);
		long[] latencies = new long[total];
		Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
		BlockingQueue<Job> due = new LinkedBlockingQueue<>();
		List<Thread> workers = new ArrayList<>();
		for (int c = 0; c < connections; c++) {
			workers.add(Thread.ofPlatform().daemon().start(() -> work(base, due, latencies, statuses)));
		}
		long period = 1_000_000_000L / rate;
		long first = System.nanoTime() + 100_000_000L;
		long start = first + warmup * period;
		for (int sent = 0; sent < warmup + total; sent++) {
			long at = first + sent * period;
			long now;
			while ((now = System.nanoTime()) < at) {
				LockSupport.parkNanos(at - now);
			}
			due.add(new Job(sent - warmup, at, bytes(requests.get(sent), base)));
		}
		workers.forEach((worker) -> due.add(new Job(-1, 0, null)));
		for (Thread worker : workers) {
			worker.join();
		}
		long end = System.nanoTime();
		Arrays.sort(latencies);
		StringBuilder out = new StringBuilder("{\"target_per_s\":" + rate + ",\"requests\":" + total
				+ ",\"connections\":" + connections
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

	private static void work(URI base, BlockingQueue<Job> due, long[] latencies, Map<String, AtomicInteger> statuses) {
		Socket socket = null;
		InputStream in = null;
		try {
			while (true) {
				Job job = due.take();
				if (job.bytes() == null) {
					return;
				}
				String status;
				try {
					if (socket == null) {
						socket = new Socket(base.getHost(), base.getPort());
						socket.setTcpNoDelay(true);
						socket.setSoTimeout(30_000);
						in = new BufferedInputStream(socket.getInputStream());
					}
					OutputStream out = socket.getOutputStream();
					out.write(job.bytes());
					out.flush();
					int code = readStatus(in);
					status = Math.abs(code) / 100 + "xx";
					if (code < 0) {
						// The server closes this connection after answering (Tomcat: every 100 requests).
						close(socket);
						socket = null;
					}
				}
				catch (IOException ex) {
					status = "error";
					close(socket);
					socket = null;
				}
				if (job.index() >= 0) {
					latencies[job.index()] = System.nanoTime() - job.due();
					statuses.computeIfAbsent(status, (key) -> new AtomicInteger()).incrementAndGet();
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		finally {
			close(socket);
		}
	}

	private static byte[] bytes(Request request, URI base) {
		byte[] body = request.body().getBytes(StandardCharsets.UTF_8);
		StringBuilder head = new StringBuilder(request.method()).append(' ').append(request.path())
			.append(" HTTP/1.1\r\nHost: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n");
		for (int h = 0; h < request.headers().size(); h += 2) {
			if (!request.headers().get(h).equalsIgnoreCase("content-length")) {
				head.append(request.headers().get(h)).append(": ").append(request.headers().get(h + 1)).append("\r\n");
			}
		}
		head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		bytes.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
		bytes.writeBytes(body);
		return bytes.toByteArray();
	}

	/**
	 * Reads one response (Content-Length or chunked body) off a keep-alive connection and returns its status,
	 * negated when the server closes the connection after it.
	 */
	private static int readStatus(InputStream in) throws IOException {
		String statusLine = line(in);
		int status = Integer.parseInt(statusLine.split(" ")[1]);
		long length = -1;
		boolean chunked = false;
		boolean closes = false;
		String header;
		while (!(header = line(in)).isEmpty()) {
			String lower = header.toLowerCase();
			if (lower.startsWith("content-length:")) {
				length = Long.parseLong(lower.substring(15).trim());
			}
			else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
				chunked = true;
			}
			else if (lower.startsWith("connection:") && lower.contains("close")) {
				closes = true;
			}
		}
		if (chunked) {
			long size;
			while ((size = Long.parseLong(line(in).split(";")[0].trim(), 16)) > 0) {
				in.skipNBytes(size);
				line(in);
			}
			line(in);
		}
		else if (length > 0) {
			in.skipNBytes(length);
		}
		return closes ? -status : status;
	}

	private static String line(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int c;
		while ((c = in.read()) != '\n') {
			if (c < 0) {
				throw new IOException("connection closed");
			}
			if (c != '\r') {
				line.append((char) c);
			}
		}
		return line.toString();
	}

	private static void close(Socket socket) {
		if (socket != null) {
			try {
				socket.close();
			}
			catch (IOException ex) {
				// nothing to do
			}
		}
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
