package io.standings.http.rest;

import java.util.Set;

/** The state after an admin change to an entity: whether it changed anything, and the board periods it touched. */
public record EntityState(String entity, String board, boolean quarantined, boolean changed, Set<String> periods) {
}
