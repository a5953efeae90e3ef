package io.standings.http.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.standings.testing.TestRun;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

    private final ApiKeys keys = new ApiKeys(Optional.of("s3cret-ключ"), false);

    @Test
    void acceptsTheKeyFromEitherHeader() {
        assertThat(keys.check("s3cret-ключ", null)).isEqualTo(ApiKeys.Verdict.ACCEPTED);
        assertThat(keys.check(null, "Bearer s3cret-ключ")).isEqualTo(ApiKeys.Verdict.ACCEPTED);
        assertThat(keys.check(null, "BEARER   s3cret-ключ ")).isEqualTo(ApiKeys.Verdict.ACCEPTED);
    }

    @Test
    void tellsMissingFromWrong() {
        assertThat(keys.check(null, null)).isEqualTo(ApiKeys.Verdict.MISSING);
        assertThat(keys.check("", "Bearer")).isEqualTo(ApiKeys.Verdict.MISSING);
        assertThat(keys.check(null, "Basic czNjcmV0")).isEqualTo(ApiKeys.Verdict.MISSING);
        assertThat(keys.check("s3cret", null)).isEqualTo(ApiKeys.Verdict.WRONG);
        assertThat(keys.check(null, "Bearer s3cret-ключx")).isEqualTo(ApiKeys.Verdict.WRONG);
        assertThat(keys.check("S3CRET-КЛЮЧ", null)).isEqualTo(ApiKeys.Verdict.WRONG);
    }

    @Test
    void noConfiguredKeyDisablesEverything() {
        assertThat(new ApiKeys(Optional.empty(), false).check("anything", null)).isEqualTo(ApiKeys.Verdict.DISABLED);
        assertThat(new ApiKeys(Optional.of("  "), true).check("  ", null)).isEqualTo(ApiKeys.Verdict.DISABLED);
        assertThat(new ApiKeys(Optional.of("  "), true).enabled()).isFalse();
    }

    @Test
    void aPlaceholderKeyStopsStartUpWithoutShowingTheKey() {
        for (String placeholder : new String[] {"CHANGE-ME-placeholder", "change-me-local-only",
                "please-change-me-0123456789abcdefghijklmnop", "x".repeat(64)}) {
            ApiKeys weak = new ApiKeys(Optional.of(placeholder), false);
            assertThatThrownBy(weak::requireAcceptableKey)
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageStartingWith("Refusing to start: the admin API key (STANDINGS_ADMIN_API_KEY")
                    .hasMessageContaining("openssl rand -hex 32")
                    .hasMessageContaining("head -c 32 /dev/urandom | base64")
                    .hasMessageNotContaining(placeholder)
                    .satisfies(e -> assertThat(((ConfigurationException) e).getConfigKeys())
                            .containsExactly("standings.admin.api-key"))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        assertThatThrownBy(new ApiKeys(Optional.of("CHANGE-ME-placeholder"), false)::requireAcceptableKey)
                .hasMessageContaining("it has 21 characters, fewer than 32")
                .hasMessageContaining("it contains a well-known placeholder word");
    }

    @Test
    void aStrongKeyOrNoKeyStartsUp() {
        assertThatCode(new ApiKeys(Optional.of(TestRun.ADMIN_KEY), false)::requireAcceptableKey).doesNotThrowAnyException();
        assertThatCode(new ApiKeys(Optional.empty(), false)::requireAcceptableKey).doesNotThrowAnyException();
        assertThatCode(new ApiKeys(Optional.of(" \n"), true)::requireAcceptableKey).doesNotThrowAnyException();
    }

    @Test
    void theConfiguredKeyIsUsedWithoutItsSurroundingWhitespace() {
        ApiKeys fromAFile = new ApiKeys(Optional.of("  " + TestRun.ADMIN_KEY + "\n"), false);
        assertThatCode(fromAFile::requireAcceptableKey).doesNotThrowAnyException();
        assertThat(fromAFile.check(TestRun.ADMIN_KEY, null)).isEqualTo(ApiKeys.Verdict.ACCEPTED);
        assertThat(fromAFile.check(null, "Bearer " + TestRun.ADMIN_KEY)).isEqualTo(ApiKeys.Verdict.ACCEPTED);
        assertThat(fromAFile.check(TestRun.ADMIN_KEY + "\n", null)).isEqualTo(ApiKeys.Verdict.WRONG);
    }
}
