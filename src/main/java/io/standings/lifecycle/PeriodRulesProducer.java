package io.standings.lifecycle;

import io.standings.core.board.PeriodRules;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The {@link PeriodRules} from {@code standings.periods.grace} and {@code standings.periods.retention}. */
@ApplicationScoped
public class PeriodRulesProducer {

    @Produces
    @jakarta.inject.Singleton
    PeriodRules periodRules(@ConfigProperty(name = "standings.periods.grace") Duration grace,
            @ConfigProperty(name = "standings.periods.retention") Duration retention) {
        return new PeriodRules(grace, retention);
    }
}
