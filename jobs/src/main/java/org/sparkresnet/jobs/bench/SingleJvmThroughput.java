package org.sparkresnet.jobs.bench;

import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.sparkresnet.data.ShardedDataset;

/**
 * The baseline Spark is measured against: the same network trained by plain DL4J in this one JVM (no Spark),
 * on the same prepared minibatches, with ND4J's threads on all of this machine's cores.
 */
final class SingleJvmThroughput {
    private SingleJvmThroughput() {
    }

    /** Training images/s over {@code iterations} minibatches after {@code warmup} untimed ones (data reading included). */
    static double imagesPerSecond(ComputationGraph net, String trainSplitUri, Configuration conf, int batchSize,
                                  int warmup, int iterations) {
        DataSetIterator data = ShardedDataset.localIterator(trainSplitUri, conf, batchSize);
        for (int i = 0; i < warmup; i++) {
            net.fit(next(data));
        }
        long examples = 0;
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            org.nd4j.linalg.dataset.DataSet batch = next(data);
            net.fit(batch);
            examples += batch.numExamples();
        }
        return examples / ((System.nanoTime() - start) / 1e9);
    }

    /** The next minibatch, going round the split again when it runs out. */
    private static org.nd4j.linalg.dataset.DataSet next(DataSetIterator data) {
        if (!data.hasNext()) {
            data.reset();
        }
        return data.next();
    }
}
