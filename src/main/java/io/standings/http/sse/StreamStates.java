package io.standings.http.sse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.standings.http.ListViews;
import io.standings.http.RankedEntry;
import io.standings.core.board.Board;
import io.standings.core.index.RankIndex;
import io.standings.core.index.Ranked;
import io.standings.state.AppliedPositions;
import io.standings.state.LiveBoards;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;

/** Computes what the streams send: a board's top-N list, or one entity's score and rank. */
@ApplicationScoped
public class StreamStates {

    /** The {@code entry} event: the entity's state, or {@code present: false} when it is not on the board. */
    public record EntryEvent(String board, String entity, boolean present, Double score, Long rank, Long ordinalRank,
            long total, long asOf, String position) {
    }

    /** What makes an entry event differ from the previous one: not the board's total, not the token. */
    private record EntryContent(boolean present, Double score, Long rank, Long ordinalRank) {
    }

    private final LiveBoards live;
    private final ObjectMapper json;
    private final AppliedPositions positions;

    public StreamStates(LiveBoards live, ObjectMapper json, AppliedPositions positions) {
        this.live = live;
        this.json = json;
        this.positions = positions;
    }

    StreamState top(Board board, int limit) {
        long asOf = live.asOf();
        ListViews.Top top = ListViews.Top.of(board, limit, live.currentIndex(board).orElse(null), asOf);
        return new StreamState(top.entries(), asOf, new EncodedEvent("top", write(top)), 0);
    }

    StreamState entry(Board board, String entity) {
        long asOf = live.asOf();
        String position = positions.token();
        Optional<RankIndex> index = live.currentIndex(board);
        Optional<Ranked> ranked = index.flatMap(i -> i.ranked(entity));
        long total = index.map(RankIndex::size).orElse(0L);
        EntryEvent event = ranked
                .map(r -> new EntryEvent(board.id(), entity, true, r.score(), board.rankOf(r), r.ordinalRank(), total, asOf,
                        position))
                .orElseGet(() -> new EntryEvent(board.id(), entity, false, null, null, null, total, asOf, position));
        return new StreamState(new EntryContent(event.present(), event.score(), event.rank(), event.ordinalRank()), asOf,
                new EncodedEvent("entry", write(event)), 0);
    }

    private byte[] write(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not serialize " + value.getClass().getSimpleName(), e);
        }
    }
}
