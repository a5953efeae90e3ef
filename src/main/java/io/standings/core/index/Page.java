package io.standings.core.index;

import java.util.List;

/**
 * One page of a keyset-paged listing.
 *
 * @param entries    the entries of this page, in rank order
 * @param nextCursor opaque cursor for the following page, or {@code null} when nothing follows
 */
public record Page(List<Ranked> entries, String nextCursor) {
    public Page {
        entries = List.copyOf(entries);
    }
}
