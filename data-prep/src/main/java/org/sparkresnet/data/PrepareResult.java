package org.sparkresnet.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** What the prepare job wrote: one {@link SplitResult} per split, and the whole run's wall time. */
public record PrepareResult(String dataset, String outputUri, List<SplitResult> splits, double seconds) {
    public PrepareResult {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(outputUri, "outputUri");
        splits = List.copyOf(splits);
    }

    public SplitResult split(String name) {
        return splits.stream().filter(s -> s.split().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no split '" + name + "' in this result, have "
                        + splits.stream().map(SplitResult::split).toList()));
    }

    /** A few lines for people: per split its examples, shards, size and speed. */
    public String summary() {
        StringBuilder text = new StringBuilder(String.format("prepared %s into %s in %.1f s%n", dataset, outputUri, seconds));
        for (SplitResult s : splits) {
            text.append(String.format("  %-5s %,9d examples  %4d shards  %,12d bytes (%.0f per example)  %.1f s  %,.0f images/s%n",
                    s.split(), s.numExamples(), s.shards(), s.bytes(), s.bytesPerExample(), s.seconds(), s.imagesPerSecond()));
        }
        return text.toString();
    }

    /** One prepared split: where it is, how many examples of each class, how many shard files and bytes. */
    public record SplitResult(String split, String splitDirUri, long numExamples, long[] countsPerClass, int shards, long bytes, double seconds) {
        public SplitResult {
            countsPerClass = countsPerClass.clone();
        }

        @Override
        public long[] countsPerClass() {
            return countsPerClass.clone();
        }

        public double imagesPerSecond() {
            return seconds > 0 ? numExamples / seconds : 0;
        }

        public double bytesPerExample() {
            return numExamples > 0 ? (double) bytes / numExamples : 0;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof SplitResult that && split.equals(that.split) && splitDirUri.equals(that.splitDirUri)
                    && numExamples == that.numExamples && Arrays.equals(countsPerClass, that.countsPerClass)
                    && shards == that.shards && bytes == that.bytes && seconds == that.seconds;
        }

        @Override
        public int hashCode() {
            return Objects.hash(split, splitDirUri, numExamples, shards, bytes);
        }

        @Override
        public String toString() {
            return "SplitResult[" + split + ", " + numExamples + " examples, " + shards + " shards, " + bytes + " bytes]";
        }
    }
}
