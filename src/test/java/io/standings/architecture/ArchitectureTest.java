package io.standings.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The layers of docs/architecture.md, read from the compiled service classes: every dependency points down
 * (http → lifecycle → ingest → store → state → core), no two packages depend on each other in a circle, the
 * two stores know nothing of each other, and {@code core} uses nothing but the JDK.
 */
class ArchitectureTest {

    private static final JavaClasses SERVICE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
            .importPackages("io.standings");

    @Test
    void dependenciesPointDownTheLayersOnly() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("http").definedBy("io.standings.http..")
                .layer("lifecycle").definedBy("io.standings.lifecycle..")
                .layer("ingest").definedBy("io.standings.ingest..")
                .layer("store").definedBy("io.standings.store..")
                .layer("state").definedBy("io.standings.state..")
                .layer("core").definedBy("io.standings.core..")
                .whereLayer("http").mayNotBeAccessedByAnyLayer()
                .whereLayer("lifecycle").mayOnlyBeAccessedByLayers("http")
                .whereLayer("ingest").mayOnlyBeAccessedByLayers("lifecycle", "http")
                .whereLayer("store").mayOnlyBeAccessedByLayers("ingest", "lifecycle", "http")
                .whereLayer("state").mayOnlyBeAccessedByLayers("store", "ingest", "lifecycle", "http")
                .whereLayer("core").mayOnlyBeAccessedByLayers("state", "store", "ingest", "lifecycle", "http")
                .check(SERVICE);
    }

    @Test
    void noPackageDependsOnAnotherInACircle() {
        slices().matching("io.standings.(**)").should().beFreeOfCycles().check(SERVICE);
    }

    @Test
    void theStoresKnowNothingOfEachOther() {
        noClasses().that().resideInAPackage("io.standings.store.redis..")
                .should().dependOnClassesThat().resideInAPackage("io.standings.store.postgres..").check(SERVICE);
        noClasses().that().resideInAPackage("io.standings.store.postgres..")
                .should().dependOnClassesThat().resideInAPackage("io.standings.store.redis..").check(SERVICE);
    }

    @Test
    void coreUsesNothingButTheJdk() {
        noClasses().that().resideInAPackage("io.standings.core..")
                .should().dependOnClassesThat().resideOutsideOfPackages("io.standings.core..", "java..")
                .check(SERVICE);
    }
}
