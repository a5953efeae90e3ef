package io.standings.http.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.standings.testing.TestRun;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** {@link AdminKeyRule}: random keys as the documented generators make them pass; weak ones are refused, saying why. */
class AdminKeyRuleTest {

    private static final String LENGTH = "characters, fewer than 32";
    private static final String DISTINCT = "distinct characters, fewer than 10";
    private static final String REPEATED = "one character repeated";
    private static final String PLACEHOLDER = "placeholder word";
    private static final String NOT_ASCII = "not printable ASCII";

    /** {@code openssl rand -hex N} for N ≥ 32 (hex cannot spell any placeholder word). */
    @Property
    void hexKeysOfAtLeast32RandomBytesAreAccepted(@ForAll @Size(min = 32, max = 64) byte[] random) {
        String key = HexFormat.of().formatHex(random);
        assertThat(AdminKeyRule.violations(key)).isEmpty();
        assertThat(AdminKeyRule.acceptable(key)).isTrue();
    }

    /**
     * {@code head -c N /dev/urandom | base64} for N ≥ 24: length, distinct characters and the alphabet always
     * pass; such a key is refused only when it happens to spell a placeholder word (under 1 in 10 million).
     */
    @Property
    void base64KeysOfAtLeast24RandomBytesFailOnlyOnAPlaceholderTheyReallyContain(
            @ForAll @Size(min = 24, max = 64) byte[] random, @ForAll boolean urlSafe) {
        String key = (urlSafe ? Base64.getUrlEncoder() : Base64.getEncoder()).encodeToString(random);
        List<String> violations = AdminKeyRule.violations(key);
        boolean spellsOne = AdminKeyRule.PLACEHOLDERS.stream()
                .anyMatch(p -> AdminKeyRule.normalize(key).contains(AdminKeyRule.normalize(p)));
        assertThat(violations).hasSize(spellsOne ? 1 : 0);
        violations.forEach(v -> assertThat(v).contains(PLACEHOLDER));
    }

    @Property
    void keysShorterThan32CharactersAreRefused(@ForAll("shortPrintable") String shortKey) {
        if (!shortKey.isBlank()) {
            assertThat(AdminKeyRule.violations(shortKey)).anySatisfy(v -> assertThat(v).contains(LENGTH));
        }
    }

    @Property
    void aRepeatedCharacterIsRefusedWhateverItsLength(@ForAll @CharRange(from = '!', to = '~') char c,
            @ForAll @IntRange(min = 32, max = 500) int length) {
        assertThat(AdminKeyRule.violations(String.valueOf(c).repeat(length)))
                .anySatisfy(v -> assertThat(v).contains(REPEATED));
    }

    @Property
    void fewerThan10DistinctCharactersAreRefused(@ForAll("fewDistinct") String key) {
        assertThat(AdminKeyRule.violations(key)).anySatisfy(v -> assertThat(v).contains(DISTINCT));
    }

    /** A placeholder anywhere in a strong key, in any case, with separators or not, makes it refused. */
    @Property
    void aPlaceholderAnywhereIsRefusedInAnyCaseAndSpelling(@ForAll @Size(min = 32, max = 48) byte[] random,
            @ForAll("placeholders") String placeholder, @ForAll @IntRange(min = 0, max = 96) int at) {
        String strong = HexFormat.of().formatHex(random);
        int position = Math.min(at, strong.length());
        String key = strong.substring(0, position) + placeholder + strong.substring(position);
        List<String> violations = AdminKeyRule.violations(key);
        assertThat(violations).singleElement().satisfies(v -> assertThat(v).contains(PLACEHOLDER));
        assertThat(AdminKeyRule.refusal(violations)).doesNotContain(key).doesNotContain(strong);
    }

    /** The key is judged without its surrounding whitespace (a trailing newline from a file, say). */
    @Property
    void surroundingWhitespaceIsIgnored(@ForAll @Size(min = 32, max = 48) byte[] random,
            @ForAll("whitespace") String before, @ForAll("whitespace") String after) {
        String key = HexFormat.of().formatHex(random);
        assertThat(AdminKeyRule.violations(before + key + after)).isEmpty();
        assertThat(AdminKeyRule.violations(before + key.substring(0, 31) + after))
                .anySatisfy(v -> assertThat(v).contains("it has 31 characters"));
    }

    @Property
    void aCharacterAHeaderCannotCarryIsRefused(@ForAll @Size(min = 32, max = 48) byte[] random,
            @ForAll("unsendable") char c, @ForAll @IntRange(min = 1, max = 60) int at) {
        String strong = HexFormat.of().formatHex(random);
        int position = Math.min(at, strong.length() - 1);
        String key = strong.substring(0, position) + c + strong.substring(position);
        assertThat(AdminKeyRule.violations(key)).anySatisfy(v -> assertThat(v).contains(NOT_ASCII));
    }

    @Example
    void theKeysThisProjectShipsOrGenerates() {
        // deploy/local/up: head -c 24 /dev/urandom | od -An -tx1 (48 hex digits)
        assertThat(AdminKeyRule.violations("3f1c9a07be52d46e8801c3fa5b9e2d7c60a4f18e93b2c5d7")).isEmpty();
        // the test profile's key
        assertThat(AdminKeyRule.violations(TestRun.ADMIN_KEY)).isEmpty();
        // deploy/k8s/secret.yaml's placeholder and other placeholder-looking keys are refused
        assertThat(AdminKeyRule.violations("CHANGE-ME-placeholder")).hasSize(2)
                .anySatisfy(v -> assertThat(v).contains(PLACEHOLDER))
                .anySatisfy(v -> assertThat(v).contains("it has 21 characters"));
        assertThat(AdminKeyRule.violations("change-me-local-only")).anySatisfy(v -> assertThat(v).contains(PLACEHOLDER));
        assertThat(AdminKeyRule.violations("test-admin-key")).anySatisfy(v -> assertThat(v).contains(PLACEHOLDER));
        assertThat(AdminKeyRule.violations("MySuperSecretAdminKeyForProduction2026!"))
                .singleElement().satisfies(v -> assertThat(v).contains(PLACEHOLDER));
        assertThat(AdminKeyRule.violations("Example.Key.0123456789.abcdefghij")).singleElement()
                .satisfies(v -> assertThat(v).contains(PLACEHOLDER));
        assertThat(AdminKeyRule.violations("0123456789012345678901234567890123456789")).isEmpty();
        assertThat(AdminKeyRule.violations("012345678012345678012345678012345678")).singleElement()
                .satisfies(v -> assertThat(v).contains("it uses 9 distinct characters"));
    }

    @Example
    void theLengthBoundIsInclusiveAndCountsCharactersNotBytes() {
        String base = "0123456789abcdefghijklmnopqrstuvwxyz";
        assertThat(AdminKeyRule.violations(base.substring(0, 32))).isEmpty();
        assertThat(AdminKeyRule.violations(base.substring(0, 31))).singleElement()
                .satisfies(v -> assertThat(v).contains("it has 31 characters"));
        // 32 characters of which one is non-ASCII: long enough, but refused for the character
        assertThat(AdminKeyRule.violations(base.substring(0, 31) + "é")).singleElement()
                .satisfies(v -> assertThat(v).contains(NOT_ASCII));
    }

    @Example
    void noKeyBreaksNoRule() {
        assertThat(AdminKeyRule.violations(null)).isEmpty();
        assertThat(AdminKeyRule.violations("   \n")).isEmpty();
        assertThat(AdminKeyRule.acceptable("   ")).isFalse();
    }

    @Provide
    Arbitrary<String> shortPrintable() {
        return Arbitraries.strings().withCharRange(' ', '~').ofMinLength(1).ofMaxLength(31);
    }

    @Provide
    Arbitrary<String> fewDistinct() {
        return Arbitraries.integers().between(2, 9).flatMap(n -> Arbitraries.chars().range('!', '~').set().ofSize(n)
                .flatMap(alphabet -> Arbitraries.of(alphabet).list().ofMinSize(32).ofMaxSize(200)
                        .map(chars -> {
                            StringBuilder key = new StringBuilder();
                            chars.forEach(key::append);
                            return key.toString();
                        })));
    }

    @Provide
    Arbitrary<String> placeholders() {
        Arbitrary<String> separators = Arbitraries.of("", "-", "_", ".", " ");
        return Arbitraries.of(AdminKeyRule.PLACEHOLDERS).flatMap(word -> {
            String letters = AdminKeyRule.normalize(word);
            return Arbitraries.integers().between(0, (1 << letters.length()) - 1).flatMap(upper ->
                    separators.list().ofSize(letters.length()).map(seps -> {
                        StringBuilder out = new StringBuilder();
                        for (int i = 0; i < letters.length(); i++) {
                            char c = letters.charAt(i);
                            out.append((upper >> i & 1) == 1 ? Character.toUpperCase(c) : c);
                            if (i + 1 < letters.length()) {
                                out.append(seps.get(i));
                            }
                        }
                        return out.toString();
                    }));
        });
    }

    @Provide
    Arbitrary<String> whitespace() {
        return Arbitraries.strings().withChars(' ', '\t', '\n', '\r').ofMaxLength(3);
    }

    @Provide
    Arbitrary<Character> unsendable() {
        return Arbitraries.oneOf(Arbitraries.chars().range('\u0000', '\u001f'), Arbitraries.of('\u007f', 'é', 'ß', '€',
                '\u00a0', 'к'));
    }
}
