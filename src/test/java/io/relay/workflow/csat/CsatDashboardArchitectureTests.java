package io.relay.workflow.csat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The workflow stands alone: it uses the events, the dispatch SPI and the system module's public helpers (how a
 * value is stored on either database), nothing else of Relay (no other workflow, no module internals), and shows
 * nothing public; its page writes visitors' text as text.
 */
class CsatDashboardArchitectureTests {

	private final JavaClasses workflow = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.relay.workflow.csat");

	@Test
	void dependsOnTheEventsTheDispatchSpiAndTheSystemHelpersOnly() {
		classes().should()
			.onlyDependOnClassesThat(resideOutsideOfPackage("io.relay..").or(resideInAnyPackage("io.relay.event",
					"io.relay.dispatch", "io.relay.system", "io.relay.workflow.csat")))
			.check(this.workflow);
	}

	@Test
	void thePageWritesTextOnlyNeverMarkup() throws IOException {
		// Comments are written by visitors: the page's script builds elements and sets their text
		// (CsatDashboardBrowserTests shows markup in a comment stays text); nothing may parse a string as HTML.
		String script = Files.readString(Path.of("src/main/resources/static/dashboard/dashboard.js"),
				StandardCharsets.UTF_8);
		assertThat(script).contains("textContent")
			.doesNotContain(".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment",
					"eval(", "new Function", "setHTMLUnsafe", "parseFromString");
	}

	@Test
	void nothingIsPublic() {
		classes().should().notHaveModifier(JavaModifier.PUBLIC).check(this.workflow);
	}

}
