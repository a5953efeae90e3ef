package io.standings.http.rest;

import io.standings.http.Params;
import io.standings.http.ProblemException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ParamsTest {

    @Test
    void absentMeansTheDefault() {
        assertThat(Params.intIn("limit", null, 1, 1000, 10)).isEqualTo(10);
    }

    @Test
    void acceptsAsciiIntegersInRange() {
        assertThat(Params.intIn("limit", "1", 1, 1000, 10)).isEqualTo(1);
        assertThat(Params.intIn("limit", "1000", 1, 1000, 10)).isEqualTo(1000);
        assertThat(Params.intIn("limit", "007", 1, 1000, 10)).isEqualTo(7);
        assertThat(Params.longIn("from", "9223372036854775807", 1, Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void rejectsEverythingElseWithTheParameterName() {
        for (String bad : List.of("", " 1", "1 ", "+1", "0", "1001", "-1", "1e3", "1.0", "0x1", "١", "５", "9223372036854775808",
                "99999999999999999999", "1;DROP")) {
            assertThatThrownBy(() -> Params.intIn("limit", bad, 1, 1000, 10)).as(bad)
                    .isInstanceOf(ProblemException.class).hasMessageContaining("limit")
                    .satisfies(e -> assertThat(((ProblemException) e).status()).isEqualTo(400));
        }
    }

    @Test
    void idsAreSplitDedupedAndBounded() {
        assertThat(Params.ids(List.of("a,b", "c,a", ",d,"))).containsExactly("a", "b", "c", "d");
        String thousand = IntStream.range(0, 1000).mapToObj(i -> "p" + i).collect(Collectors.joining(","));
        assertThat(Params.ids(List.of(thousand))).hasSize(1000);
        assertThatThrownBy(() -> Params.ids(List.of(thousand + ",p1000"))).hasMessageContaining("1000");
        assertThatThrownBy(() -> Params.ids(List.of())).hasMessageContaining("ids");
        assertThatThrownBy(() -> Params.ids(null)).hasMessageContaining("ids");
        assertThatThrownBy(() -> Params.ids(Arrays.asList(",,"))).hasMessageContaining("ids");
        assertThatThrownBy(() -> Params.ids(List.of("ok,a/b"))).hasMessageContaining("entity id");
        assertThatThrownBy(() -> Params.ids(List.of("x".repeat(129)))).hasMessageContaining("entity id");
    }
}
