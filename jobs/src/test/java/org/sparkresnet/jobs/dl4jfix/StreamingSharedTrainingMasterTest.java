package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaRDDLike;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
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
