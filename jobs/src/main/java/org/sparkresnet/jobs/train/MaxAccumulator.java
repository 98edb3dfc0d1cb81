package org.sparkresnet.jobs.train;

import org.apache.spark.util.AccumulatorV2;

/**
 * The largest non-negative value added on any executor since the driver's copy was last {@link #reset()}: Spark ships
 * sum and collection accumulators only.
 */
public final class MaxAccumulator extends AccumulatorV2<Long, Long> {
    private static final long serialVersionUID = 1L;
    private long max;

    @Override
    public synchronized boolean isZero() {
        return max == 0;
    }

    @Override
    public synchronized MaxAccumulator copy() {
        MaxAccumulator copy = new MaxAccumulator();
        copy.max = max;
        return copy;
    }

    @Override
    public synchronized void reset() {
        max = 0;
    }

    @Override
    public void add(Long value) {
        add(value.longValue());
    }

    public synchronized void add(long value) {
        max = Math.max(max, value);
    }

    @Override
    public void merge(AccumulatorV2<Long, Long> other) {
        add(other.value().longValue());
    }

    @Override
    public synchronized Long value() {
        return max;
    }

    /** The value, and a fresh start for the next window. */
    public synchronized long getAndReset() {
        long value = max;
        max = 0;
        return value;
    }
}
