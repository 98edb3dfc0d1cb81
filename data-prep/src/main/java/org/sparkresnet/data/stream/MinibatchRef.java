package org.sparkresnet.data.stream;

import java.io.Serializable;
import java.util.List;

/**
 * One training minibatch as a reference: the example ranges it is made of (from several shards) and the seed of its
 * augmentation draws. This is what the driver deals to the workers; the executor reads the uint8 examples and
 * decodes them into a float minibatch only as it trains (see {@link MinibatchReader}).
 */
public record MinibatchRef(List<ExampleRange> ranges, long augmentSeed) implements Serializable {
    private static final long serialVersionUID = 1L;

    public MinibatchRef {
        ranges = List.copyOf(ranges);
        if (ranges.isEmpty()) {
            throw new IllegalArgumentException("a minibatch needs at least one example range");
        }
    }

    public int examples() {
        return ranges.stream().mapToInt(ExampleRange::size).sum();
    }
}
