package io.sipreg.message.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A time-bounded mutation fuzzer on plain JUnit: real inputs (seeds) changed by lists of {@link Mutation}s, each
 * list checked by a property until the budget runs out. A few seconds in the normal build
 * ({@value #DEFAULT_SECONDS} s per property); as long as asked with {@code -Dfuzz.seconds=600}. The random seed is
 * printed with a failure and replays it with {@code -Dfuzz.seed=N}; the failing mutation list is first made
 * minimal (each mutation whose removal keeps the failure is dropped), so the report shows what matters.
 */
public final class Fuzz {
    public static final int DEFAULT_SECONDS = 3;

    private final String name;
    private final List<byte[]> seeds;
    private int maxMutations = 4;

    private Fuzz(String name, List<byte[]> seeds) {
        this.name = name;
        this.seeds = List.copyOf(seeds);
    }

    /** {@code name} labels the report; {@code seeds} are the real inputs to mutate. */
    public static Fuzz of(String name, List<byte[]> seeds) {
        return new Fuzz(name, seeds);
    }

    public Fuzz maxMutations(int max) {
        this.maxMutations = max;
        return this;
    }

    /** The budget of one property, from {@code fuzz.seconds}. */
    public static long seconds() {
        String value = System.getProperty("fuzz.seconds", "").strip();
        if (value.isEmpty()) {
            return DEFAULT_SECONDS;
        }
        try {
            return Math.max(1, Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fuzz.seconds must be a whole number of seconds, was " + value, e);
        }
    }

    /**
     * Checks {@code property} on mutated inputs until the budget is spent. The property fails by throwing (an
     * assertion, or whatever escaped from the code under test).
     *
     * @return how many inputs were checked
     */
    public long check(Consumer<Mutated> property) {
        String fixed = System.getProperty("fuzz.seed", "").strip();
        long runSeed = fixed.isEmpty() ? new SplittableRandom().nextLong() : Long.parseLong(fixed);
        var random = new SplittableRandom(runSeed);
        long deadline = 0;
        long tries = 0;
        while (tries <= 1 || System.nanoTime() - deadline < 0) {
            if (tries == 1) {
                // The budget starts after the first input, which pays for class loading and the first compilations.
                deadline = System.nanoTime() + seconds() * 1_000_000_000L;
            }
            Mutated input = next(random);
            tries++;
            try {
                property.accept(input);
            } catch (RuntimeException | AssertionError | StackOverflowError e) {
                Mutated minimal = minimize(input, property);
                var failure = new AssertionError(name + ": failed after " + tries + " inputs (replay with -Dfuzz.seed="
                        + runSeed + ")\nminimal input: " + minimal + "\n" + describe(minimal, property), e);
                throw failure;
            }
        }
        System.out.printf("fuzz %s: %,d inputs in %d s, seed %d%n", name, tries, seconds(), runSeed);
        return tries;
    }

    private Mutated next(SplittableRandom random) {
        int seed = random.nextInt(seeds.size());
        int count = random.nextInt(maxMutations + 1);
        var mutations = new ArrayList<Mutation>(count);
        for (int i = 0; i < count; i++) {
            mutations.add(Mutation.random(random));
        }
        return Mutated.of(seed, seeds.get(seed), mutations);
    }

    /** Drops every mutation whose removal keeps the property failing. */
    private Mutated minimize(Mutated failing, Consumer<Mutated> property) {
        Mutated current = failing;
        for (int i = current.mutations().size() - 1; i >= 0; i--) {
            var fewer = new ArrayList<>(current.mutations());
            fewer.remove(i);
            Mutated candidate = Mutated.of(current.seed(), seeds.get(current.seed()), fewer);
            if (fails(candidate, property)) {
                current = candidate;
            }
        }
        return current;
    }

    private static boolean fails(Mutated input, Consumer<Mutated> property) {
        try {
            property.accept(input);
            return false;
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            return true;
        }
    }

    private static String describe(Mutated input, Consumer<Mutated> property) {
        try {
            property.accept(input);
            return "(the minimal input passes on its own: the failure depends on earlier inputs)";
        } catch (RuntimeException | AssertionError | StackOverflowError e) {
            return "its failure: " + e;
        }
    }

    /** A mutated input and how it was made. */
    public record Mutated(int seed, List<Mutation> mutations, byte[] bytes) {
        static Mutated of(int seed, byte[] original, List<Mutation> mutations) {
            byte[] b = original;
            for (Mutation m : mutations) {
                b = m.apply(b);
            }
            return new Mutated(seed, List.copyOf(mutations), b);
        }

        @Override
        public String toString() {
            return "seed input " + seed + " with " + mutations + ":\n" + Mutation.printable(bytes);
        }
    }
}
