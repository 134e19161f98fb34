package io.relay.workflow.mail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

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
	void everyBuiltInTemplateRendersInEveryShippedLanguage() throws Exception {
		// What is shipped, read from the class path: a language or workflow added later is checked too, whichever
		// of its files it has.
		Map<String, Set<String>> languages = new TreeMap<>();
		for (Resource file : new PathMatchingResourcePatternResolver()
			.getResources("classpath*:mail-templates/*/*/*")) {
			String[] path = file.getURI().toString().split("/");
			languages.computeIfAbsent(path[path.length - 3], (workflow) -> new TreeSet<>()).add(path[path.length - 2]);
		}
		assertThat(languages).containsKeys("conversation-email", "promo-code", "survey")
			.allSatisfy((workflow, shipped) -> assertThat(shipped).contains("en", "fr"));
		MailTemplates templates = new MailTemplates(null);
		languages.forEach((workflow, shipped) -> templates.check(workflow, shipped, "the property"));
	}

}
