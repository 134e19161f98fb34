package io.relay.workflow.survey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Python and Node.js verifiers that docs/workflows.md gives survey sites, run as written against tokens Relay
 * signed and crafted ones: each answers as {@link SurveyTokens#verify} does, and none throws. Needs {@code python3}
 * and {@code node} (.ci/run requires both, and sets {@code RELAY_REQUIRE_INTERPRETERS} so that their absence fails
 * rather than skips).
 */
class SurveyVerifierSnippetsTests {

	private static final String SECRET = "0123456789abcdef0123456789abcdef";

	private static final String CONVERSATION = "4c8c7408-f73c-42cd-89e9-afbbee7d9024";

	private static final String VISITOR = "b05f1b45-c891-4a9c-b47e-91ee6c8ffb44";

	private static final Pattern SECTION = Pattern.compile(
			"### The token, and how the survey site verifies it\\n(.*?)(?:\\n## |\\z)", Pattern.DOTALL);

	private static final String PYTHON_HARNESS = """

			import json, sys
			for line in sys.stdin:
			    c = json.loads(line)
			    try:
			        print("true" if verify(c["secret"], c["conversation"], c["visitor"], c["project"], c["token"],
			                               c["maxAge"]) else "false")
			    except Exception as e:
			        print("error " + type(e).__name__)
			""";

	private static final String NODE_HARNESS = """

			for (const line of require("node:fs").readFileSync(0, "utf8").split("\\n").filter(Boolean)) {
			  const c = JSON.parse(line);
			  try {
			    console.log(verify(c.secret, c.conversation, c.visitor, c.project, c.token, c.maxAge) ? "true" : "false");
			  } catch (e) {
			    console.log("error " + e.name);
			  }
			}
			""";

	@ParameterizedTest
	@ValueSource(strings = { "python", "javascript" })
	void theDocumentedVerifierAnswersAsRelaysOwn(String language) throws Exception {
		String interpreter = language.equals("python") ? "python3" : "node";
		requireInterpreter(interpreter);
		String code = snippet(language) + (language.equals("python") ? PYTHON_HARNESS : NODE_HARNESS);
		Instant now = Instant.now();
		List<Case> cases = cases(now);

		List<String> answers = run(interpreter, code, cases);

		assertThat(answers).hasSameSizeAs(cases);
		for (int i = 0; i < cases.size(); i++) {
			Case c = cases.get(i);
			boolean relay = SurveyTokens.verify(SECRET, CONVERSATION, c.visitor(), c.project(), c.token(),
					now, (c.maxAge() != null) ? Duration.ofSeconds(c.maxAge()) : null);
			assertThat(answers.get(i)).as("%s: %s", c.name(), c.token()).isEqualTo(Boolean.toString(relay));
		}
		assertThat(answers).as("a genuine token verifies, so the comparison is not vacuous").contains("true");
		assertThat(answers).as("every crafted token is refused").filteredOn("true"::equals).hasSize(3);
	}

	/** Genuine tokens (three), then ones that must not verify, some crafted to make a careless verifier throw. */
	private static List<Case> cases(Instant now) {
		String genuine = SurveyTokens.sign(SECRET, CONVERSATION, VISITOR, "1549", now.minusSeconds(60));
		String withoutVisitor = SurveyTokens.sign(SECRET, CONVERSATION, null, "1549", now.minusSeconds(60));
		String signature = genuine.substring(genuine.indexOf('.') + 1);
		String issued = genuine.substring(0, genuine.indexOf('.'));
		List<Case> cases = new ArrayList<>();
		cases.add(new Case("genuine", VISITOR, "1549", genuine, 30L * 86400));
		cases.add(new Case("signed without a visitor, verified with none", "", "1549", withoutVisitor, null));
		// What a web framework gives for an absent query parameter (Flask's request.args.get: None).
		cases.add(new Case("signed without a visitor, verified with a missing one", null, "1549", withoutVisitor, null));
		cases.add(new Case("signed with a visitor, verified with a missing one", null, "1549", genuine, null));
		cases.add(new Case("signed with a project, verified with a missing one", VISITOR, null, genuine, null));
		cases.add(new Case("another project", VISITOR, "1550", genuine, null));
		cases.add(new Case("signed without a visitor, verified with one", VISITOR, "1549", withoutVisitor, null));
		cases.add(new Case("too old", VISITOR, "1549",
				SurveyTokens.sign(SECRET, CONVERSATION, VISITOR, "1549", now.minus(Duration.ofDays(31))), 30L * 86400));
		cases.add(new Case("from the future", VISITOR, "1549",
				SurveyTokens.sign(SECRET, CONVERSATION, VISITOR, "1549", now.plus(Duration.ofHours(1))), null));
		for (String token : List.of("", ".", "abc", issued + ".", "." + signature, "0" + genuine, "+" + genuine,
				"0." + signature, "-1." + signature, "\u00b2." + signature, "\u0661\u0662." + signature,
				issued + "." + "\u00e9".repeat(signature.length()), issued + "." + signature.substring(1) + "\u00e9",
				"99999999999999999999999." + signature, genuine + "A")) {
			cases.add(new Case("crafted", VISITOR, "1549", token, null));
		}
		return cases;
	}

	private static List<String> run(String interpreter, String code, List<Case> cases) throws Exception {
		JsonMapper json = JsonMapper.builder().build();
		StringBuilder input = new StringBuilder();
		for (Case c : cases) {
			Map<String, @Nullable Object> line = new LinkedHashMap<>();
			line.put("secret", SECRET);
			line.put("conversation", CONVERSATION);
			line.put("visitor", c.visitor());
			line.put("project", c.project());
			line.put("token", c.token());
			line.put("maxAge", c.maxAge());
			input.append(json.writeValueAsString(line)).append('\n');
		}
		// The program and the cases in files, the answers to a file: a verifier that hangs is caught by the wait.
		Path directory = Files.createTempDirectory("survey-verifier");
		Path program = directory.resolve(interpreter.equals("node") ? "verify.js" : "verify.py");
		Path answers = directory.resolve("answers.txt");
		try {
			Files.writeString(program, code, StandardCharsets.UTF_8);
			Files.writeString(directory.resolve("cases.jsonl"), input, StandardCharsets.UTF_8);
			Process verifier = new ProcessBuilder(interpreter, program.toString())
				.redirectInput(directory.resolve("cases.jsonl").toFile())
				.redirectOutput(answers.toFile())
				.redirectErrorStream(true)
				.start();
			boolean ended = verifier.waitFor(30, TimeUnit.SECONDS);
			if (!ended) {
				verifier.destroyForcibly();
			}
			String output = Files.readString(answers, StandardCharsets.UTF_8);
			assertThat(ended).as(output).isTrue();
			assertThat(verifier.exitValue()).as(output).isZero();
			return output.lines().toList();
		}
		finally {
			FileSystemUtils.deleteRecursively(directory);
		}
	}

	private static String snippet(String language) throws IOException {
		String docs = Files.readString(Path.of("docs/workflows.md"), StandardCharsets.UTF_8);
		Matcher section = SECTION.matcher(docs);
		assertThat(section.find()).as("the token section of docs/workflows.md").isTrue();
		Matcher block = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(section.group(1));
		assertThat(block.find()).as("a %s block in the token section", language).isTrue();
		return block.group(1);
	}

	private static void requireInterpreter(String interpreter) throws InterruptedException {
		boolean present;
		try {
			present = new ProcessBuilder(interpreter, "--version").redirectErrorStream(true).start()
				.waitFor() == 0;
		}
		catch (IOException ex) {
			present = false;
		}
		String missing = interpreter + " is not installed (.ci/run requires it)";
		if ("1".equals(System.getenv("RELAY_REQUIRE_INTERPRETERS"))) {
			assertThat(present).as(missing).isTrue();
		}
		assumeTrue(present, "Skipped: " + missing);
	}

	record Case(String name, @Nullable String visitor, @Nullable String project, String token, @Nullable Long maxAge) {
	}

}
