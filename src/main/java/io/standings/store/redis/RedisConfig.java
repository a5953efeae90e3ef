package io.standings.store.redis;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The Redis key layout of this instance, from {@code standings.redis.key-prefix}. */
@ApplicationScoped
public class RedisConfig {

    @Produces
    @Singleton
    RedisKeys keys(@ConfigProperty(name = "standings.redis.key-prefix") String prefix) {
        return new RedisKeys(prefix);
    }
}
