package io.relay.workflow.csat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

/**
 * The workflow stands alone: it uses the events, the dispatch SPI and the system module's public helpers (how a
 * value is stored on either database), nothing else of Relay (no other workflow, no module internals), and shows
 * nothing public.
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
	void nothingIsPublic() {
		classes().should().notHaveModifier(JavaModifier.PUBLIC).check(this.workflow);
	}

}
