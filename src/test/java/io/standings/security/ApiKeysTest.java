package io.standings.security;

import static org.assertj.core.api.Assertions.assertThat;

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
}
