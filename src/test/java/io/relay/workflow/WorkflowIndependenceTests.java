package io.relay.workflow;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The workflows live in one Modulith module ({@code io.relay.workflow}), so {@code ModularityTests} does not keep
 * them apart: these rules do. Each workflow stands alone, and the shared outbound support knows none of them.
 */
class WorkflowIndependenceTests {

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.relay.workflow");

	@Test
	void leadAndTicketDoNotKnowEachOther() {
		noClasses().that().resideInAPackage("io.relay.workflow.lead..")
			.should().dependOnClassesThat().resideInAPackage("io.relay.workflow.ticket..")
			.check(this.classes);
		noClasses().that().resideInAPackage("io.relay.workflow.ticket..")
			.should().dependOnClassesThat().resideInAPackage("io.relay.workflow.lead..")
			.check(this.classes);
	}

	@Test
	void outboundSupportDependsOnNoWorkflow() {
		noClasses().that().resideInAPackage("io.relay.workflow.outbound..")
			.should().dependOnClassesThat().resideInAnyPackage("io.relay.workflow.lead..", "io.relay.workflow.ticket..",
					"io.relay.workflow.log..")
			.check(this.classes);
	}

}
