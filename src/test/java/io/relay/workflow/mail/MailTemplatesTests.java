package io.relay.workflow.mail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class MailTemplatesTests {

	@Test
	void anOperatorsFileReplacesTheBuiltInOneFileByFile(@TempDir Path directory) throws Exception {
		Path survey = Files.createDirectories(directory.resolve("survey/en"));
		Files.writeString(survey.resolve("subject.txt"), "[(${firstName})], a word about your chat");
		Files.writeString(survey.resolve("body.html"),
				"<p xmlns:th=\"http://www.thymeleaf.org\">Tell us: <a th:href=\"${surveyUrl}\">here</a></p>");
		MailTemplates templates = new MailTemplates(directory);

		MailTemplates.Rendered rendered = templates.render("survey", "en",
				Map.of("firstName", "Ada", "surveyUrl", "https://survey.example.com/?a=1&b=<2>"));
		assertThat(rendered.subject()).isEqualTo("Ada, a word about your chat");
		assertThat(rendered.html()).isEqualTo(
				"<p>Tell us: <a href=\"https://survey.example.com/?a=1&amp;b=&lt;2&gt;\">here</a></p>");
		assertThat(rendered.text()).startsWith("Hello Ada,");
	}

	@Test
	void aSubjectIsOneLineWhateverTheTemplateOrTheValuesHold(@TempDir Path directory) throws Exception {
		Path survey = Files.createDirectories(directory.resolve("survey/en"));
		Files.writeString(survey.resolve("subject.txt"), "Hello\n[(${firstName})]\r\n");
		assertThat(new MailTemplates(directory).render("survey", "en", Map.of("firstName", "Ada\r\nBcc: x@example.com"))
			.subject()).isEqualTo("Hello Ada Bcc: x@example.com");
	}

	@Test
	void aMissingLanguageIsReportedWithItsFiles() {
		assertThatIllegalStateException()
			.isThrownBy(() -> new MailTemplates(null).check("promo-code", Set.of("en", "de"), "the property"))
			.withMessageStartingWith("Workflow 'promo-code' has no usable email template for [promo-code/de/subject.txt");
	}

	@Test
	void everyBuiltInTemplateRendersInEveryShippedLanguage() {
		MailTemplates templates = new MailTemplates(null);
		for (String workflow : new String[] { "conversation-email", "promo-code", "survey" }) {
			templates.check(workflow, Set.of("en", "fr"), "the property");
		}
	}

}
