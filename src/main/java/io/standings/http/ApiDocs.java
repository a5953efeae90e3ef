package io.standings.http;

import io.standings.core.board.Ids;

/** Descriptions shared by the OpenAPI annotations of the resources. */
public final class ApiDocs {

    public static final String BAD_REQUEST = "A malformed id or parameter (problem+json)";
    public static final String NOT_FOUND = "Unknown board, or the entity is not on it (problem+json)";
    public static final String UNAUTHORIZED = "No API key, when reads require one (problem+json, WWW-Authenticate: Bearer)";
    public static final String FORBIDDEN = "A wrong API key, when reads require one (problem+json)";
    public static final String BOARD = "Board id, ^[a-z0-9][a-z0-9_.-]{0,63}$";
    public static final String ENTITY = "Entity id: 1-" + Ids.MAX_ENTITY_LENGTH + " printable characters, no '/'";

    private ApiDocs() {
    }
}
