package io.standings.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Replica turns: counted, and never overlapping a read made outside the gate. */
class SnapshotGateTest {

    @Test
    void replicaTurnsAreCountedAndRunTheirApply() {
        SnapshotGate gate = new SnapshotGate();
        List<String> ran = new CopyOnWriteArrayList<>();
        gate.run(() -> {
            gate.replicaTurn(() -> ran.add("apply"));
            return io.smallrye.mutiny.Uni.createFrom().voidItem();
        }).await().indefinitely();
        assertThat(ran).containsExactly("apply");
        assertThat(gate.replicaTurns()).isEqualTo(1);
        assertThat(gate.grants()).isEqualTo(1);
    }

    @Test
    void aReplicaApplyWaitsForAReadOutsideTheGateAndTheReverse() throws Exception {
        SnapshotGate gate = new SnapshotGate();
        List<String> order = new CopyOnWriteArrayList<>();
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread reader = new Thread(() -> gate.outsideReplicaTurns(() -> {
            order.add("read starts");
            reading.countDown();
            await(release);
            order.add("read ends");
            return null;
        }));
        reader.start();
        assertThat(reading.await(5, TimeUnit.SECONDS)).isTrue();
        Thread applier = new Thread(() -> gate.replicaTurn(() -> order.add("apply")));
        applier.start();
        applier.join(200); // it must still be waiting for the read
        assertThat(order).containsExactly("read starts");
        release.countDown();
        reader.join(5_000);
        applier.join(5_000);
        assertThat(order).containsExactly("read starts", "read ends", "apply");

        CountDownLatch applying = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        List<String> second = new CopyOnWriteArrayList<>();
        Thread longApply = new Thread(() -> gate.replicaTurn(() -> {
            second.add("apply starts");
            applying.countDown();
            await(finish);
            second.add("apply ends");
        }));
        longApply.start();
        assertThat(applying.await(5, TimeUnit.SECONDS)).isTrue();
        Thread read = new Thread(() -> gate.outsideReplicaTurns(() -> second.add("read")));
        read.start();
        read.join(200);
        assertThat(second).containsExactly("apply starts");
        finish.countDown();
        longApply.join(5_000);
        read.join(5_000);
        assertThat(second).containsExactly("apply starts", "apply ends", "read");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
