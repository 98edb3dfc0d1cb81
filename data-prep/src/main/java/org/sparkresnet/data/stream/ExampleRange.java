package org.sparkresnet.data.stream;

import java.io.Serializable;

/** Examples [from, to) of shard {@code shard} (its index in the split's manifest): what one positioned read fetches. */
public record ExampleRange(int shard, int from, int to) implements Serializable {
    private static final long serialVersionUID = 1L;

    public ExampleRange {
        if (shard < 0 || from < 0 || to <= from) {
            throw new IllegalArgumentException("an example range needs shard >= 0 and 0 <= from < to, got " + shard + ", " + from + ", " + to);
        }
    }

    public int size() {
        return to - from;
    }
}
