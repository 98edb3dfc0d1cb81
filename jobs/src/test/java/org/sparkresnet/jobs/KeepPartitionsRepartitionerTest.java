package org.sparkresnet.jobs;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.spark.impl.repartitioner.DefaultRepartitioner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.dl4jfix.KeepPartitionsRepartitioner;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainingMasters;
import org.sparkresnet.jobs.train.TrainingMode;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Shows dl4j-spark's gradient sharing cutting an RDD of minibatches into one partition (one Spark task) per
 * minibatch, and that our repartitioner keeps the shard partitions. Gradient sharing asks for
 * batchSizePerWorker / rddDataSetNumExamples = 64 / 64 = 1 object per partition.
 */
class KeepPartitionsRepartitionerTest {
    static final int MINIBATCHES = 40;
    static final int WORKERS = 2;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkContexts.create("keep-partitions-test", "local[2]");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    /** 40 stand-ins for minibatches in 4 partitions, as 4 shards would give them. */
    static JavaRDD<Integer> fourShards() {
        return sc.parallelize(IntStream.range(0, MINIBATCHES).boxed().toList(), 4);
    }

    @Test
    void dl4jDefaultRepartitionerMakesOneTaskPerMinibatch() {
        JavaRDD<Integer> repartitioned = new DefaultRepartitioner().repartition(fourShards(), 1, WORKERS);
        assertEquals(MINIBATCHES, repartitioned.getNumPartitions(), "the upstream flaw this workaround exists for");
    }

    @Test
    void keepsTheShardPartitionsAndTheirContents() {
        JavaRDD<Integer> shards = fourShards();
        JavaRDD<Integer> repartitioned = new KeepPartitionsRepartitioner().repartition(shards, 1, WORKERS);
        assertEquals(4, repartitioned.getNumPartitions());
        assertEquals(shards.glom().collect(), repartitioned.glom().collect());
    }

    @Test
    void splitsFewerPartitionsThanWorkersEquallySoEveryWorkerTrains() {
        JavaRDD<Integer> oneShard = sc.parallelize(IntStream.range(0, MINIBATCHES).boxed().toList(), 1);
        List<List<Integer>> partitions = new KeepPartitionsRepartitioner().repartition(oneShard, 1, WORKERS).glom().collect();
        assertEquals(WORKERS, partitions.size());
        partitions.forEach(p -> assertEquals(MINIBATCHES / WORKERS, p.size(), "equal halves: " + partitions));
        assertEquals(IntStream.range(0, MINIBATCHES).boxed().toList(),
                partitions.stream().flatMap(List::stream).sorted().toList(), "every minibatch kept exactly once");
    }

    @Test
    void gradientSharingUsesIt() {
        TrainRequest request = new TrainRequest("file:/d", "file:/o", "resnet20", 1, 64, "adam", 1e-3, 0.9, 0, 5, 1, false)
                .withMode(TrainingMode.SHARING);
        assertInstanceOf(KeepPartitionsRepartitioner.class, TrainingMasters.gradientSharing(request, "local[2]").getRepartitioner());
    }
}
