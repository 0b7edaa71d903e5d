import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * How the disk under a directory answers fdatasync, the call a durable registrar waits for before each group commit's
 * 200 OKs: appends of 8 KB (a group commit of some 25 bindings), each followed by fdatasync, one a millisecond, for
 * the given seconds. Prints one JSON object: percentiles in ms, the stalls (calls over 50 ms) and the CPU of the
 * calling thread per call. Run with the source
 * launcher: java bench/lib/FsyncProbe.java DIR SECONDS
 */
public final class FsyncProbe {
    public static void main(String[] args) throws Exception {
        Path file = Files.createTempFile(Path.of(args[0]), "fsync-probe", ".bin");
        long seconds = Long.parseLong(args[1]);
        long[] took = new long[(int) (seconds * 2000) + 16];
        int n = 0;
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpuBefore = threads.getCurrentThreadCpuTime();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(8192);
            long at = 0;
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end && n < took.length) {
                block.clear();
                long start = System.nanoTime();
                at += channel.write(block, at);
                channel.force(false);
                took[n++] = System.nanoTime() - start;
                LockSupport.parkNanos(1_000_000);
            }
        } finally {
            Files.deleteIfExists(file);
        }
        // The CPU one call costs this thread, nearly all of it in the kernel (the append and the wait for the next
        // millisecond are a few us of it): what a registrar pays per group commit, whatever the commit carries.
        double cpuMicrosPerCall = (threads.getCurrentThreadCpuTime() - cpuBefore) / 1e3 / Math.max(1, n);
        long[] sorted = Arrays.copyOf(took, n);
        Arrays.sort(sorted);
        long stalls = Arrays.stream(sorted).filter(t -> t > 50_000_000L).count();
        System.out.printf(java.util.Locale.ROOT, "{\"seconds\": %d, \"calls\": %d, \"p50_ms\": %.3f, \"p99_ms\": %.3f,"
                        + " \"p999_ms\": %.3f, \"max_ms\": %.1f, \"stalls_over_50ms\": %d,"
                        + " \"cpu_us_per_call\": %.1f}%n", seconds, n,
                ms(sorted, 0.5), ms(sorted, 0.99), ms(sorted, 0.999), sorted[n - 1] / 1e6, stalls, cpuMicrosPerCall);
    }

    private static double ms(long[] sorted, double q) {
        return sorted[Math.min(sorted.length - 1, (int) (q * sorted.length))] / 1e6;
    }
}
