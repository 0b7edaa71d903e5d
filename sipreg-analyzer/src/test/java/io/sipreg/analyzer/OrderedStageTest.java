package io.sipreg.analyzer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class OrderedStageTest {

    @Test
    void resultsComeInTheOrderTheItemsCameWhicheverThreadWorkedOnThem() throws Exception {
        var workers = Executors.newFixedThreadPool(3);
        try {
            var out = new ArrayList<Integer>();
            var stage = new OrderedStage<Integer, Integer>(workers, 7, 2, i -> {
                if (i % 5 == 0) {
                    Thread.onSpinWait();    // uneven batches finish out of order
                }
                return i * 2;
            }, out::add);
            IntStream.range(0, 10_000).forEach(stage::add);
            stage.flush();
            assertThat(out).containsExactlyElementsOf(IntStream.range(0, 10_000).map(i -> i * 2).boxed().toList());
        } finally {
            workers.shutdownNow();
        }
    }

    @Test
    void theCallingThreadWorksOnPendingBatchesRatherThanWaitForAStalledWorker() throws Exception {
        var worker = Executors.newSingleThreadExecutor();
        var stall = new CountDownLatch(1);
        try {
            // The only worker is held up by something else: the stage must still get through its items.
            worker.execute(() -> {
                try {
                    stall.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Set<String> threads = ConcurrentHashMap.newKeySet();
            var out = new ArrayList<Integer>();
            var stage = new OrderedStage<Integer, Integer>(worker, 4, 2, i -> {
                threads.add(Thread.currentThread().getName());
                return i;
            }, out::add);
            IntStream.range(0, 100).forEach(stage::add);
            stage.flush();
            assertThat(out).containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
            assertThat(threads).containsExactly(Thread.currentThread().getName());
        } finally {
            stall.countDown();
            worker.shutdownNow();
        }
    }

    @Test
    void withoutWorkersEveryBatchIsWorkedOnWhereItFills() {
        var out = new ArrayList<String>();
        var stage = new OrderedStage<Integer, String>(null, 3, 1, String::valueOf, out::add);
        List.of(1, 2, 3, 4).forEach(stage::add);
        assertThat(out).containsExactly("1", "2", "3");
        stage.flush();
        assertThat(out).containsExactly("1", "2", "3", "4");
    }
}
