package org.crest;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rooms of docs/ARCHITECTURE.md and the directions they may import in, checked on the compiled main classes:
 * org.crest ← inference ← model ← io ← spark ← langid ← pipelines (label ← label.resume, evaluate; cluster) ← cli.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.crest");
    }

    @Test
    void noPackageCycles() {
        slices().matching("org.crest.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void dependenciesPointDownOnly() {
        layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .layer("core")
                .definedBy("org.crest")
                .layer("inference")
                .definedBy("org.crest.inference..")
                .layer("model")
                .definedBy("org.crest.model..")
                .layer("io")
                .definedBy("org.crest.io..")
                .layer("spark")
                .definedBy("org.crest.spark..")
                .layer("langid")
                .definedBy("org.crest.langid..")
                .layer("label")
                .definedBy("org.crest.label")
                .layer("label.resume")
                .definedBy("org.crest.label.resume..")
                .layer("cluster")
                .definedBy("org.crest.cluster..")
                .layer("evaluate")
                .definedBy("org.crest.evaluate..")
                .layer("cli")
                .definedBy("org.crest.cli..")
                .whereLayer("cli")
                .mayNotBeAccessedByAnyLayer()
                .whereLayer("evaluate")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("cluster")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("label.resume")
                .mayOnlyBeAccessedByLayers("cli")
                .whereLayer("label")
                .mayOnlyBeAccessedByLayers("label.resume", "evaluate", "cli")
                .whereLayer("langid")
                .mayOnlyBeAccessedByLayers("label", "label.resume", "cluster", "evaluate", "cli")
                .whereLayer("spark")
                .mayOnlyBeAccessedByLayers("langid", "label", "label.resume", "cluster", "evaluate", "cli")
                .whereLayer("io")
                .mayOnlyBeAccessedByLayers("spark", "langid", "label", "label.resume", "cluster", "evaluate", "cli")
                .whereLayer("model")
                .mayOnlyBeAccessedByLayers(
                        "io", "spark", "langid", "label", "label.resume", "cluster", "evaluate", "cli")
                .whereLayer("inference")
                .mayOnlyBeAccessedByLayers(
                        "model", "io", "spark", "langid", "label", "label.resume", "cluster", "evaluate", "cli")
                .check(classes);
    }

    @Test
    void executorCoreIsSparkFree() {
        noClasses()
                .that()
                .resideInAnyPackage("org.crest", "org.crest.inference..", "org.crest.model..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.apache.spark..")
                .because("inference runs inside executors and in plain JVMs alike, and model only gets models")
                .check(classes);
    }
}
