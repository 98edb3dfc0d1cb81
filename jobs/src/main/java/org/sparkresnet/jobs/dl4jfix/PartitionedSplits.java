package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionPruningRDD;
import org.sparkresnet.data.shard.Minibatches;
import scala.Tuple2;
import scala.runtime.AbstractFunction1;

import java.io.Serializable;
import java.lang.reflect.Array;

/**
 * Parameter averaging's per-round splits, dealt in one shuffle per epoch instead of one scan of all data per round.
 *
 * <p>dl4j-spark 1.0.0-M2 ({@code SparkUtils.balancedRandomSplit}) makes each round's split by filtering every
 * partition of the whole (cached) training RDD, so an epoch reads all its data once per averaging round: the
 * cost grows with the square of the data (for Fashion-MNIST, 93 rounds x 30 partitions = 2,790 tasks per epoch;
 * measured, workers spent only 46% of the time training). Here every minibatch gets a random slot, one shuffle
 * puts it in partition {@code slot mod (splits x workers)}, and split i is the pruned view of partitions
 * [i x workers, (i+1) x workers): one partition of about averagingFrequency minibatches per worker, read from the
 * shuffle output and nothing else.
 */
final class PartitionedSplits {
    private PartitionedSplits() {
    }

    @SuppressWarnings("unchecked")
    static <T> JavaRDD<T>[] split(JavaRDD<T> data, int totalObjects, int objectsPerSplit, int workers, long seed) {
        if (totalObjects <= objectsPerSplit) {
            JavaRDD<T>[] one = (JavaRDD<T>[]) Array.newInstance(JavaRDD.class, 1);
            one[0] = data;
            return one;
        }
        int splits = totalObjects / objectsPerSplit; // rounded down as upstream: each worker gets >= its share per round
        int partitions = splits * workers;
        int[] slot = Minibatches.shuffled(totalObjects, seed);
        JavaRDD<T> dealt = data.zipWithIndex()
                .mapToPair(element -> new Tuple2<>(slot[(int) (long) element._2()] % partitions, element._1()))
                .partitionBy(new HashPartitioner(partitions)) // an Integer key k < partitions lands in partition k
                .values();
        JavaRDD<T>[] result = (JavaRDD<T>[]) Array.newInstance(JavaRDD.class, splits);
        for (int i = 0; i < splits; i++) {
            result[i] = JavaRDD.fromRDD(PartitionPruningRDD.create(dealt.rdd(), new PartitionRange(i * workers, (i + 1) * workers)),
                    dealt.classTag());
        }
        return result;
    }

    /** Partition indices in [from, to), as the Scala predicate PartitionPruningRDD takes. */
    private static final class PartitionRange extends AbstractFunction1<Object, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int from;
        private final int to;

        PartitionRange(int from, int to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public Object apply(Object index) {
            int i = (Integer) index;
            return i >= from && i < to;
        }
    }
}
