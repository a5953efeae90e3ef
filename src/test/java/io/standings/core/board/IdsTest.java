package io.standings.core.board;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;

/** The entity id rule (docs/api.md): 1–128 code points, printable, no '/'. */
class IdsTest {

    @Property(tries = 2000)
    void asciiIdsFollowTheRule(@ForAll @CharRange(from = 0, to = 127) @StringLength(max = 140) String id) {
        boolean expected = !id.isEmpty() && id.length() <= Ids.MAX_ENTITY_LENGTH
                && id.chars().allMatch(c -> c >= 0x20 && c < 0x7f && c != '/');
        assertThat(Ids.isValidEntity(id)).as("%s", id).isEqualTo(expected);
    }

    @Example
    void unicodeIdsFollowTheRule() {
        assertThat(Ids.isValidEntity("z-\u00e9\u6f22\"q")).isTrue();
        assertThat(Ids.isValidEntity("\ud83d\ude00".repeat(128))).as("128 code points, 256 chars").isTrue();
        assertThat(Ids.isValidEntity("\ud83d\ude00".repeat(129))).isFalse();
        assertThat(Ids.isValidEntity("a\u2028b")).as("line separator").isFalse();
        assertThat(Ids.isValidEntity("a\u00a0b")).as("no-break space is printable").isTrue();
        assertThat(Ids.isValidEntity("a\u200bb")).as("format character").isFalse();
        assertThat(Ids.isValidEntity("a\ud800b")).as("lone surrogate").isFalse();
        assertThat(Ids.isValidEntity("\u00e9/x")).isFalse();
        assertThat(Ids.isValidEntity("a\u0085")).as("C1 control").isFalse();
    }
}
