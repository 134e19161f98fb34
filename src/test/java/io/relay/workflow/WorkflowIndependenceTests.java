package io.relay.workflow;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.alwaysTrue;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The workflows live in one Modulith module ({@code io.relay.workflow}), so {@code ModularityTests} does not keep
 * them apart: these rules do. No workflow uses another; what they share lives in {@code io.relay.workflow.mail}
 * (email) and {@code io.relay.workflow.outbound} (signed HTTP), which know no workflow.
 */
class WorkflowIndependenceTests {

	private static final String[] SHARED = { "io.relay.workflow.mail..", "io.relay.workflow.outbound.." };

	private final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.relay.workflow");

	@Test
	void noWorkflowDependsOnAnother() {
		slices().matching("io.relay.workflow.(*)..")
			.should()
			.notDependOnEachOther()
			.ignoreDependency(alwaysTrue(), resideInAnyPackage(SHARED))
			.check(this.classes);
	}

	@Test
	void sharedSupportDependsOnNoWorkflow() {
		noClasses().that()
			.resideInAnyPackage(SHARED)
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage("io.relay.workflow.lead..", "io.relay.workflow.ticket..", "io.relay.workflow.log..",
					"io.relay.workflow.csat..", "io.relay.workflow.conversationemail..",
					"io.relay.workflow.promocode..", "io.relay.workflow.survey..")
			.check(this.classes);
	}

}
