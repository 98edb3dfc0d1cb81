package org.sparkresnet.data;

/**
 * What the prepare job should do: read {@code dataset}'s IDX files from {@code inputDirUri} and write sharded splits
 * under {@code outputUri} (both Hadoop FS URIs).
 *
 * @param shardSize     examples per shard file (the last shard of a split may hold fewer)
 * @param overwrite     replace existing prepared splits under the output; without it an existing split is an error
 * @param limitPerSplit take only the first N examples of each split; {@code <= 0} means all
 */
public record PrepareRequest(String dataset, String inputDirUri, String outputUri, int shardSize, boolean overwrite, long limitPerSplit) {
    public static final int DEFAULT_SHARD_SIZE = 2048;

    public PrepareRequest {
        DatasetSpec.byName(dataset); // fails naming the known datasets
        if (inputDirUri == null || inputDirUri.isBlank()) {
            throw new IllegalArgumentException("input directory must be given");
        }
        if (outputUri == null || outputUri.isBlank()) {
            throw new IllegalArgumentException("output URI must be given");
        }
        if (shardSize <= 0) {
            throw new IllegalArgumentException("shard size must be > 0, got " + shardSize);
        }
    }

    public DatasetSpec spec() {
        return DatasetSpec.byName(dataset);
    }

    /** How many of a split's {@code available} examples to prepare. */
    public int examplesToTake(int available) {
        return limitPerSplit > 0 ? (int) Math.min(limitPerSplit, available) : available;
    }
}
