package io.relay.workflow.promocode;

import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CSV reader alone: what a file yields, line by line.
 */
class CsvCodesTests {

	@Test
	void readsTheFirstColumnSkipsTheHeaderAndNamesTheLinesAtFault() {
		CsvCodes.Parsed parsed = CsvCodes.parse("\uFEFFcode,comment\r\nSPRING-1,first\n\nSPRING-2;x\rSPRING-1\n"
			.getBytes(StandardCharsets.UTF_8));
		assertThat(parsed.codes()).containsExactly("SPRING-1", "SPRING-2");
		assertThat(parsed.problems()).extracting(CsvCodes.Problem::line).containsExactly(5);
		assertThat(parsed.problems().getFirst().reason()).isEqualTo("'SPRING-1' is a duplicate of line 2");
	}

	@Test
	void codesThatDifferOnlyByCaseAreDuplicates() {
		CsvCodes.Parsed parsed = CsvCodes.parse("Spring-1\nSPRING-2\nspring-1\n".getBytes(StandardCharsets.UTF_8));
		assertThat(parsed.codes()).containsExactly("Spring-1", "SPRING-2");
		assertThat(parsed.problems()).singleElement()
			.isEqualTo(new CsvCodes.Problem(3,
					"'spring-1' is a duplicate of line 1 ('Spring-1': codes are the same whatever their case)"));
	}

	@Test
	void aSpreadsheetsEmptyRowsAreSkippedButARowWithoutItsCodeIsNot() {
		CsvCodes.Parsed parsed = CsvCodes.parse("code;comment\nSPRING-1;a\n;;\n , ;\nSPRING-2;b\n;orphan comment\n"
			.getBytes(StandardCharsets.UTF_8));
		assertThat(parsed.codes()).containsExactly("SPRING-1", "SPRING-2");
		assertThat(parsed.problems()).extracting(CsvCodes.Problem::line).containsExactly(6);
	}

	@Test
	void aFileOverTheLimitIsRefusedWithoutKeepingEveryCode() {
		int total = CsvCodes.MAX_CODES + 2_500;
		String file = IntStream.range(0, total).mapToObj((i) -> "CODE" + i).collect(Collectors.joining("\n"));
		CsvCodes.Parsed parsed = CsvCodes.parse(file.getBytes(StandardCharsets.UTF_8));
		assertThat(parsed.problems()).singleElement()
			.satisfies((problem) -> assertThat(problem.reason()).isEqualTo("the file holds " + total
					+ " codes; import at most " + CsvCodes.MAX_CODES + " at a time"));
		assertThat(parsed.codes()).hasSize(CsvCodes.MAX_CODES);
	}

}
