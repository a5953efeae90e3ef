package io.standings.lifecycle;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.standings.core.board.Board;
import io.standings.ingest.AdminChange;
import io.standings.ingest.AdminChangePublisher;
import io.standings.ingest.ChangelogRecords;
import io.standings.ingest.PartitionTracker;
import io.standings.ingest.ReplicationTopics;
import io.standings.state.BoardPeriods;
import io.standings.state.BoardRegistry;
import io.standings.state.LiveBoards;
import io.standings.state.ScoreChange;
import io.standings.state.SnapshotGate;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Makes this instance a live replica of every board: it reads every partition of the changelog (no consumer
 * group: each instance reads all of it, the Kafka Streams GlobalKTable pattern) and the control topic, and applies
 * what it reads to memory under the {@link SnapshotGate}, between two ingest batches.
 *
 * <ul>
 *   <li>The states of a batch of partition n are applied together, at the batch's position record, when this
 *       instance does not consume partition n and memory does not hold that position yet
 *       ({@link PartitionTracker#replicates}); the partition's position moves with them.</li>
 *   <li>Bootstrap: start-up rebuilds memory from Redis with the offsets it reflects; the changelog is read from
 *       where each partition ended before that ({@link ReplicationStart}; when Kafka did not answer then, from a
 *       little before start-up, {@code standings.replica.bootstrap-margin}), and what memory already holds is
 *       skipped by position. The instance is ready once it has read the changelog up to where it ended when
 *       reading began.</li>
 *   <li>Admin changes another instance made are applied in the order of the control topic, from where it ended
 *       before start-up loaded PostgreSQL and Redis ({@link ReplicationStart}): the ones before are in that load.</li>
 * </ul>
 * Its own thread polls; applying runs under the gate (wherever the gate grants it) and the thread waits for it.
 */
@ApplicationScoped
@Readiness
public class ReplicaFollower implements HealthCheck {

    private static final Duration POLL = Duration.ofMillis(100);

    private final String bootstrap;
    private final ReplicationTopics topics;
    private final IngestStartup startup;
    private final ReplicationStart replicationStart;
    private final SnapshotGate gate;
    private final PartitionTracker tracker;
    private final LiveBoards live;
    private final BoardRegistry boards;
    private final BoardCatalog catalog;
    private final LiveAdmin admin;
    private final AdminChangePublisher control;
    private final Duration margin;
    private final Duration maxLag;
    private final Counter appliedStates;
    private final Counter skippedStates;
    private final Counter unreadable;
    private final Timer delay;
    private final Timer gateWait;
    private final MeterRegistry registry;
    /**
     * Per changelog partition: records not read yet, and the produce time of the newest record read. While records
     * wait, the lag in time is how old that newest record is: small while the follower keeps up with a busy
     * partition, growing when it falls behind or stops.
     */
    private final Map<Integer, Long> lagRecords = new ConcurrentHashMap<>();
    private final Map<Integer, Long> newestRead = new ConcurrentHashMap<>();
    private volatile long followingSince = System.currentTimeMillis();
    /** Per changelog partition, the states read of a batch whose position record has not been read yet. */
    private final Map<Integer, List<ScoreChange>> pending = new HashMap<>();
    /** Per changelog partition, the offset of the first record of the pending batch (read again after a failure). */
    private final Map<Integer, Long> pendingFrom = new HashMap<>();
    private volatile boolean caughtUp;
    private volatile boolean running = true;
    private volatile String state = "starting";
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private Thread thread;

    public ReplicaFollower(@ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap, ReplicationTopics topics,
            IngestStartup startup, ReplicationStart replicationStart, SnapshotGate gate, PartitionTracker tracker,
            LiveBoards live, BoardRegistry boards, BoardCatalog catalog, LiveAdmin admin, AdminChangePublisher control, MeterRegistry registry,
            @ConfigProperty(name = "standings.replica.bootstrap-margin") Duration margin,
            @ConfigProperty(name = "standings.replica.max-lag") Duration maxLag) {
        this.bootstrap = bootstrap;
        this.topics = topics;
        this.startup = startup;
        this.replicationStart = replicationStart;
        this.gate = gate;
        this.tracker = tracker;
        this.live = live;
        this.boards = boards;
        this.catalog = catalog;
        this.admin = admin;
        this.control = control;
        this.margin = margin;
        this.maxLag = maxLag;
        this.registry = registry;
        this.appliedStates = Counter.builder("standings.replica.states").tag("outcome", "applied")
                .description("Changelog states of other instances' partitions applied to memory").register(registry);
        this.skippedStates = Counter.builder("standings.replica.states").tag("outcome", "skipped")
                .description("Changelog states memory already held (own partitions, older positions)").register(registry);
        this.unreadable = Counter.builder("standings.replica.records.unreadable")
                .description("Changelog or control records this version cannot read (logged, skipped)").register(registry);
        this.gateWait = Timer.builder("standings.replica.gate.wait")
                .description("Changelog records read to the gate granted for applying them (ingest batches, admin"
                        + " changes and snapshots hold it)")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.delay = Timer.builder("standings.replica.delay")
                .description("A batch's position record produced by its owner to applied in this instance's memory")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        long since = System.currentTimeMillis() - margin.toMillis();
        thread = new Thread(() -> run(since), "standings-replica");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run(long since) {
        int partitions = ensureTopics();
        if (partitions < 0) {
            return;
        }
        state = "waiting for start-up (memory rebuilt from Redis)";
        startup.ready().await().indefinitely();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                // A start offset the log no longer has (retention): its first record is after the mark as well.
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.CLIENT_ID_CONFIG, "standings-replica"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            List<TopicPartition> assigned = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                assigned.add(new TopicPartition(topics.changelog(), p));
            }
            assigned.add(new TopicPartition(topics.control(), 0));
            c.assign(assigned);
            Map<TopicPartition, Long> ends = c.endOffsets(assigned, Duration.ofSeconds(30));
            if (replicationStart.known()) {
                // Exact: every record before these offsets is in what start-up loaded, every later change after.
                assigned.forEach(tp -> c.seek(tp, replicationStart.offset(tp)));
            } else {
                TopicPartition controlPartition = new TopicPartition(topics.control(), 0);
                Map<TopicPartition, Long> from = new HashMap<>();
                assigned.forEach(tp -> from.put(tp, since));
                from.put(controlPartition, replicationStart.markedAt());
                Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(from, Duration.ofSeconds(30));
                for (TopicPartition tp : assigned) {
                    OffsetAndTimestamp at = found.get(tp);
                    c.seek(tp, at != null ? at.offset() : ends.get(tp));
                }
            }
            for (int p = 0; p < partitions; p++) {
                int partition = p;
                Gauge.builder("standings.replica.lag.records", () -> lagRecords.getOrDefault(partition, 0L))
                        .tag("partition", Integer.toString(p))
                        .description("Changelog records of the partition not yet read by this instance").register(registry);
                Gauge.builder("standings.replica.lag.ms", () -> lagMillis(partition)).tag("partition", Integer.toString(p))
                        .description("While the partition has unread changelog records: the age, in milliseconds, of the newest one read")
                        .register(registry);
            }
            state = "catching up with the changelog";
            followingSince = System.currentTimeMillis();
            Log.infof("Following the changelog '%s' (%d partitions) and '%s' from %s", topics.changelog(), partitions,
                    topics.control(), java.time.Instant.ofEpochMilli(since));
            long backoff = 100;
            while (running) {
                ConsumerRecords<byte[], byte[]> records = c.poll(POLL);
                if (!records.isEmpty()) {
                    try {
                        apply(records);
                        backoff = 100;
                    } catch (RuntimeException e) {
                        // Never skipped: the same records are read and applied again (states are absolute, admin
                        // changes idempotent), and the lag grows meanwhile (readiness turns DOWN past the bound).
                        Log.errorf(e, "Could not apply %d changelog records; reading them again in %d ms", records.count(),
                                backoff);
                        for (TopicPartition tp : records.partitions()) {
                            Long batchStart = tp.topic().equals(topics.changelog()) ? pendingFrom.get(tp.partition()) : null;
                            c.seek(tp, batchStart != null ? batchStart : records.records(tp).get(0).offset());
                        }
                        pending.clear();
                        pendingFrom.clear();
                        sleep(backoff);
                        backoff = Math.min(5_000, backoff * 2);
                    }
                }
                measure(c, assigned, ends);
            }
        } catch (WakeupException e) {
            // shutdown
        } catch (RuntimeException e) {
            if (running) {
                Log.errorf(e, "The changelog follower stopped; this instance's other partitions are no longer live");
                state = "stopped: " + e.getMessage();
                caughtUp = false;
            }
        }
    }

    /** The score-event partition count, once the topics are there; -1 when stopped first. */
    private int ensureTopics() {
        long backoff = 200;
        while (running) {
            try {
                return topics.ensure();
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                state = "waiting for Kafka topics: " + cause.getMessage();
                Log.warnf("The changelog follower waits for Kafka: %s", cause.toString());
                sleep(backoff);
                backoff = Math.min(5_000, backoff * 2);
            }
        }
        return -1;
    }

    private void measure(KafkaConsumer<byte[], byte[]> c, List<TopicPartition> assigned, Map<TopicPartition, Long> ends) {
        boolean reached = true;
        for (TopicPartition tp : assigned) {
            long position = c.position(tp);
            if (!caughtUp && position < ends.get(tp)) {
                reached = false;
            }
            if (tp.topic().equals(topics.changelog())) {
                c.currentLag(tp).ifPresent(lag -> lagRecords.put(tp.partition(), lag));
            }
        }
        if (!caughtUp && reached) {
            caughtUp = true;
            state = "live";
            Log.infof("Caught up with the changelog: memory follows every partition");
        }
    }

    private long lagMillis(int partition) {
        if (lagRecords.getOrDefault(partition, 0L) == 0) {
            return 0;
        }
        long newest = newestRead.getOrDefault(partition, followingSince);
        return Math.max(0, System.currentTimeMillis() - newest);
    }

    private void apply(ConsumerRecords<byte[], byte[]> records) {
        Map<Integer, List<ConsumerRecord<byte[], byte[]>>> changelog = new HashMap<>();
        List<AdminChange> adminChanges = new ArrayList<>();
        Set<String> boardIds = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.topic().equals(topics.control())) {
                Header origin = r.headers().lastHeader(AdminChangePublisher.ORIGIN_HEADER);
                if (origin != null && control.origin().equals(new String(origin.value(), StandardCharsets.UTF_8))) {
                    continue; // made here
                }
                AdminChange change = AdminChange.decode(r.value());
                if (change == null) {
                    unreadable(r);
                } else {
                    adminChanges.add(change);
                }
            } else {
                changelog.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
                newestRead.merge(r.partition(), r.timestamp(), Math::max);
                String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                int at = key.indexOf('@');
                if (at > 0) {
                    boardIds.add(key.substring(0, at));
                }
            }
        }
        for (AdminChange change : adminChanges) {
            admin.applyReplicated(change).await().atMost(Duration.ofSeconds(30));
        }
        if (changelog.isEmpty()) {
            return;
        }
        try {
            catalog.learn(boardIds).await().atMost(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            Log.warnf("Could not look up boards %s in PostgreSQL (%s): states of boards this instance does not know are"
                    + " skipped until the next rebuild", boardIds, e.getMessage());
        }
        long asked = System.nanoTime();
        gate.run(() -> Uni.createFrom().item(() -> {
            gateWait.record(System.nanoTime() - asked, TimeUnit.NANOSECONDS);
            gate.replicaTurn(() -> {
                changelog.forEach(this::applyPartition);
                live.advance(tracker.appliedRecords());
            });
            return (Void) null;
        })).await().indefinitely();
    }

    /**
     * One changelog partition's records, in order, under the gate. A batch's states wait for its position record
     * (they may span two polls): memory takes a batch whole, so the offsets it reports (reads, the reconciler's
     * checkpoint, an erasure's tombstone) always match the scores it holds.
     */
    private void applyPartition(int partition, List<ConsumerRecord<byte[], byte[]>> records) {
        String field = BoardPeriods.partition(topics.input(), partition);
        List<ScoreChange> batch = pending.computeIfAbsent(partition, p -> new ArrayList<>());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            ChangelogRecords.Decoded d = ChangelogRecords.decode(r.key(), r.value(), r.headers());
            if (d == null) {
                unreadable(r);
            } else if (d.isMarker()) {
                pendingFrom.remove(partition);
                if (tracker.replicates(field, d.position(), d.republished())) {
                    applyStates(batch);
                    tracker.replicated(field, d.position());
                    if (d.heldUpTo() > d.position()) {
                        tracker.heldAhead(field, d.heldUpTo());
                    }
                    if (r.timestamp() > 0) {
                        delay.record(Math.max(0, System.currentTimeMillis() - r.timestamp()), TimeUnit.MILLISECONDS);
                    }
                } else {
                    skippedStates.increment(batch.size());
                }
                batch.clear();
            } else if (tracker.replicates(field, d.position(), d.republished())
                    && boards.find(d.change().board()).isPresent()) {
                pendingFrom.putIfAbsent(partition, r.offset());
                batch.add(d.change());
            } else {
                skippedStates.increment();
            }
        }
    }

    private void applyStates(List<ScoreChange> states) {
        if (states.isEmpty()) {
            return;
        }
        live.apply(states, id -> boards.find(id).map(Board::order).orElseThrow());
        appliedStates.increment(states.size());
    }

    private void unreadable(ConsumerRecord<byte[], byte[]> r) {
        unreadable.increment();
        Log.warnf("Skipped a record of %s-%d@%d this version cannot read", r.topic(), r.partition(), r.offset());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether this instance has caught up with the changelog once since it started. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Changelog records not yet read, per partition (metrics, health). */
    public Map<Integer, Long> lag() {
        return Map.copyOf(lagRecords);
    }

    /**
     * Ready once the changelog is read up to where it ended at start-up, and while no partition is behind by more
     * than {@code standings.replica.max-lag}.
     */
    @Override
    public HealthCheckResponse call() {
        long worst = 0;
        for (Integer p : lagRecords.keySet()) {
            worst = Math.max(worst, lagMillis(p));
        }
        boolean up = caughtUp && worst <= maxLag.toMillis();
        return HealthCheckResponse.named("Standings replica").status(up).withData("changelog", state)
                .withData("lagRecords", lagRecords.values().stream().mapToLong(Long::longValue).sum())
                .withData("lagMs", worst).build();
    }
}
