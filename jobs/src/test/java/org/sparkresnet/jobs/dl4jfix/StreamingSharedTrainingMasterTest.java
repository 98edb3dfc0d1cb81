package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaRDDLike;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingResult;
import org.nd4j.linalg.factory.Nd4j;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.sparkresnet.data.spark.SparkContexts;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shows dl4j-spark's gradient sharing caching and counting the epoch before training, and that ours does neither.
 * The two are compared on their data handling alone (persist level, the count pass), without starting a parameter
 * server, so the test needs no Aeron.
 */
class StreamingSharedTrainingMasterTest {
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkContexts.create("streaming-shared-master-test", "local[2]");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    static VoidConfiguration voidConf() {
        return VoidConfiguration.builder().controllerAddress("127.0.0.1").build();
    }

    /** 12 stand-ins for minibatches whose reading is counted. */
    static JavaRDD<Integer> counted(LongAccumulator reads) {
        return sc.parallelize(IntStream.range(0, 12).boxed().toList(), 3).map(i -> {
            reads.add(1);
            return i;
        });
    }

    static long countWith(SharedTrainingMaster master, JavaRDD<Integer> data) throws Exception {
        Method count = SharedTrainingMaster.class.getDeclaredMethod("getTotalDataSetObjectCount", JavaRDDLike.class);
        count.setAccessible(true);
        return (long) count.invoke(master, data);
    }

    static StorageLevel storageLevel(SharedTrainingMaster master) throws Exception {
        Field level = SharedTrainingMaster.class.getDeclaredField("storageLevel");
        level.setAccessible(true);
        return (StorageLevel) level.get(master);
    }

    @Test
    void stockSharingPersistsTheEpochAndReadsItAllToCountIt() throws Exception {
        SharedTrainingMaster stock = new SharedTrainingMaster.Builder(voidConf(), 32).build();
        assertEquals(StorageLevel.MEMORY_ONLY_SER(), storageLevel(stock), "upstream caches the float epoch");
        LongAccumulator reads = sc.sc().longAccumulator();
        assertEquals(12, countWith(stock, counted(reads)));
        assertEquals(12, reads.value(), "upstream's count reads and decodes every minibatch before training");
    }

    /** 16 task results as 16 sharing tasks return them, each with a random (so incompressible) 100,000-value updater state (400 KB). */
    static JavaRDD<SharedTrainingResult> taskResults() {
        List<Integer> tasks = IntStream.range(0, 16).boxed().toList();
        return sc.parallelize(tasks, 16).map(i -> SharedTrainingResult.builder()
                .updaterStateArray(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 100_000).putScalar(0, i)).scoreSum(i).aggregationsCount(1)
                .thresholdAlgorithm(new org.sparkresnet.jobs.train.QuantileThreshold(0.5)).build());
    }

    static long shuffleBytesOf(Runnable job) throws Exception {
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        org.apache.spark.scheduler.SparkListener listener = new org.apache.spark.scheduler.SparkListener() {
            @Override
            public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
                bytes.addAndGet(end.taskMetrics().shuffleWriteMetrics().bytesWritten());
            }
        };
        sc.sc().addSparkListener(listener);
        try {
            job.run();
            sc.sc().listenerBus().waitUntilEmpty();
        } finally {
            sc.sc().removeSparkListener(listener);
        }
        return bytes.get();
    }

    @Test
    void stockResultAggregationShufflesEveryTasksUpdaterState() throws Exception {
        // what upstream's processResults runs on the epoch's results
        long bytes = shuffleBytesOf(() -> taskResults().treeAggregate(null,
                new org.deeplearning4j.spark.parameterserver.accumulation.SharedTrainingAggregateFunction(),
                new org.deeplearning4j.spark.parameterserver.accumulation.SharedTrainingAccumulationFunction(), 4));
        assertTrue(bytes > 16 * 100_000L, "the tree's first level writes about one 400 KB state per task: " + bytes + " bytes");
    }

    @Test
    void oursCollectsOneStateAndShufflesNothing() throws Exception {
        StreamingSharedTrainingMaster.EpochResults[] epoch = new StreamingSharedTrainingMaster.EpochResults[1];
        long bytes = shuffleBytesOf(() -> epoch[0] = StreamingSharedTrainingMaster.EpochResults.collect(taskResults()));
        assertEquals(0, bytes);
        assertEquals(16, epoch[0].tasks());
        assertEquals(15f, epoch[0].updaterState().getFloat(0), "the last partition's state");
        assertEquals(100_000L, epoch[0].updaterState().length());
        assertEquals(7.5, epoch[0].meanScore(), 1e-12, "mean of the tasks' scores 0..15");
        assertTrue(epoch[0].thresholdAlgorithm() instanceof org.sparkresnet.jobs.train.QuantileThreshold);
    }

    @Test
    void oursPersistsNothingAndCountsWithoutReading() throws Exception {
        SharedTrainingMaster ours = new StreamingSharedTrainingMaster.Builder(voidConf(), 32).workersPerNode(1).build();
        assertTrue(ours instanceof StreamingSharedTrainingMaster);
        assertNull(storageLevel(ours));
        LongAccumulator reads = sc.sc().longAccumulator();
        assertEquals(-1, countWith(ours, counted(reads)));
        assertEquals(0, reads.value());
    }
}
