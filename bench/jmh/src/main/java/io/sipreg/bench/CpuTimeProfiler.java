package io.sipreg.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time per operation, two ways, over each iteration divided by its operations:
 * <ul>
 *   <li>{@code cpu.worker.norm}: the benchmark's own threads (JMH's workers), the code under test and nothing else;
 *   <li>{@code cpu.process.norm}: every thread of the JVM, which adds what the operation causes elsewhere: a store's
 *       writer thread and SQLite, GC, and JIT compilation while it lasts.
 * </ul>
 *
 * <p>On a shared 2-core machine the wall-clock score also counts the time a benchmark thread waited for a core while a
 * neighbour's build ran; CPU time does not, so it is the steadier number to compare before/after, and it is the unit
 * of the end-to-end figure (CPU µs per registration). Use with {@code -prof io.sipreg.bench.CpuTimeProfiler}.
 */
public final class CpuTimeProfiler implements InternalProfiler {
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private long processStart;
    private Map<Long, Long> workersStart = Map.of();

    @Override
    public String getDescription() {
        return "CPU time per operation: of the benchmark threads, and of the whole JVM";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        workersStart = workerCpu();
        processStart = os.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
                                                       IterationParams iterationParams, IterationResult result) {
        long process = os.getProcessCpuTime() - processStart;
        long workers = 0;
        for (var e : workerCpu().entrySet()) {
            workers += e.getValue() - workersStart.getOrDefault(e.getKey(), 0L);
        }
        long ops = result.getMetadata().getAllOps();
        return List.of(
                new ScalarResult("cpu.worker.norm", ops == 0 ? Double.NaN : (double) workers / ops, "ns/op",
                        AggregationPolicy.AVG),
                new ScalarResult("cpu.process.norm", ops == 0 ? Double.NaN : (double) process / ops, "ns/op",
                        AggregationPolicy.AVG));
    }

    /** CPU nanoseconds so far of each JMH worker thread, by thread id. */
    private Map<Long, Long> workerCpu() {
        var cpu = new HashMap<Long, Long>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("-jmh-worker-")) {
                long nanos = threads.getThreadCpuTime(info.getThreadId());
                if (nanos >= 0) {
                    cpu.put(info.getThreadId(), nanos);
                }
            }
        }
        return cpu;
    }
}
