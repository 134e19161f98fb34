package io.relay.iadvize;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What iAdvize tells Relay about people is personal data: a log line or an error that prints one of these values
 * must not copy it, while still saying enough to debug (ids, sizes, whether an email is known).
 */
class PersonalDataTests {

	@Test
	void aVisitorPrintsItsIdAndWhetherAnEmailIsKnownOnly() {
		Visitor visitor = new Visitor(Api.REST, "63429889", "crm-77", "Ada", "Lovelace", "ada@example.com",
				"+33 6 12 34 56 78", "12 rue de la Paix", "Nantes", "44000", "France");

		assertThat(visitor.toString()).isEqualTo("Visitor[source=REST, id=63429889, email=<present>]");
		assertThat(new Visitor(Api.GRAPHQL, "b05f1b45", null, null, null, " ", null, null, null, null, null))
			.hasToString("Visitor[source=GRAPHQL, id=b05f1b45, email=<none>]");
	}

	@Test
	void anOperatorPrintsItsIdAndRolesOnly() {
		Operator operator = new Operator(15254, "Doe", "Jane", "Jane D.", "jane@shop.example", "hr-42",
				List.of("operator"));

		assertThat(operator.toString()).isEqualTo("Operator[id=15254, email=<present>, roles=[operator]]")
			.doesNotContain("Doe", "Jane", "jane@shop.example", "hr-42");
		assertThat(new Operator(15255, null, null, null, null, null, List.of()))
			.hasToString("Operator[id=15255, email=<none>, roles=[]]");
	}

	@Test
	void aTranscriptPrintsItsSizeNotItsMessages() {
		Transcript.Message message = new Transcript.Message(Transcript.Author.VISITOR, "my card ends in 4242",
				Instant.parse("2026-11-25T10:00:00Z"));
		Transcript transcript = new Transcript(Api.GRAPHQL, "4c8c7408", List.of(message));

		assertThat(transcript.toString()).isEqualTo("Transcript[source=GRAPHQL, conversationId=4c8c7408, messages=1]");
		assertThat(message.toString()).doesNotContain("4242").contains("20 chars");
	}

}
