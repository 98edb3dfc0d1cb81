package org.sparkresnet.jobs.dl4jfix;

import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.sparkresnet.data.spark.SparkContexts;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DL4J's partition work on a few long-lived threads, one per running task, instead of Spark's task threads. */
class PinnedWorkerThreadsTest {
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkContexts.create("pinned-threads-test", "local[2]");
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    /** "thread name/partition id" as seen by the wrapped function, one per partition. */
    private static List<String> whereEachPartitionRan(int partitions) {
        return sc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
                .mapPartitions(PinnedWorkerThreads.wrap(it -> {
                    it.forEachRemaining(i -> { });
                    return List.of(Thread.currentThread().getName() + "/" + TaskContext.get().partitionId()).iterator();
                })).collect();
    }

    @Test
    void eachPartitionRunsOnAPinnedThreadWithItsTaskContext() {
        List<String> seen = whereEachPartitionRan(6);
        for (int p = 0; p < 6; p++) {
            String where = seen.get(p);
            assertTrue(where.startsWith("dl4j-pinned-worker-"), where);
            assertTrue(where.endsWith("/" + p), "the task's own context, partition " + p + ": " + where);
        }
    }

    @Test
    void manyJobsUseNoMoreThreadsThanRunTasksAtOnce() {
        Set<String> threads = new HashSet<>();
        for (int job = 0; job < 30; job++) {
            for (String where : whereEachPartitionRan(4)) {
                threads.add(where.substring(0, where.indexOf('/')));
            }
        }
        assertTrue(threads.size() <= 2, "local[2] runs two tasks at a time, so two pinned threads serve every job: " + threads);
    }

    @Test
    void aFailureInTheWorkFailsTheTaskWithItsMessage() {
        JavaRDD<Integer> failing = sc.parallelize(List.of(1, 2), 2).mapPartitions(PinnedWorkerThreads.wrap(it -> {
            throw new IllegalStateException("worker failed on purpose");
        }));
        SparkException e = assertThrows(SparkException.class, failing::collect);
        assertTrue(String.valueOf(e.getMessage()).contains("worker failed on purpose"), e.getMessage());
    }

    @Test
    void evaluationOnPinnedThreadsMatchesUpstreamsAndReleasesItsBroadcasts() throws InterruptedException {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(1e-3))
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(8))
                .addLayer("dense", new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build());
        net.init();
        Nd4j.getRandom().setSeed(5);
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < 12; b++) {
            DataSet batch = new DataSet(Nd4j.rand(10, 8), Nd4j.zeros(10, 3));
            for (int r = 0; r < 10; r++) {
                batch.getLabels().putScalar(r, (b + r) % 3, 1.0);
            }
            batches.add(batch);
        }
        JavaRDD<DataSet> data = sc.parallelize(batches, 4);
        SparkComputationGraph spark = new SparkComputationGraph(sc, net, null);

        Evaluation upstream = spark.doEvaluation(data, new Evaluation(3), 16);
        Set<Long> upstreamLeft = configurationBroadcastsHeld();
        assertTrue(upstreamLeft.size() >= 1, "dl4j-spark M2 leaves its evaluation broadcasts to the ContextCleaner");
        Evaluation pinned = PinnedEvaluation.evaluate(spark, data, 16, new Evaluation(3))[0];
        long deadline = System.nanoTime() + 10_000_000_000L;
        Set<Long> ours;
        do {
            Thread.sleep(50);
            ours = configurationBroadcastsHeld();
            ours.removeAll(upstreamLeft);
        } while (!ours.isEmpty() && System.nanoTime() < deadline);
        assertEquals(Set.of(), ours, "the configuration broadcast of our evaluation is destroyed");
        assertEquals(120, pinned.getNumRowCounter());
        assertEquals(upstream.accuracy(), pinned.accuracy(), 1e-12);
        assertEquals(upstream.confusionMatrix().toString(), pinned.confusionMatrix().toString());
    }

    /** Broadcasts held in the block manager whose value is a network configuration (what an evaluation broadcasts). */
    private static Set<Long> configurationBroadcastsHeld() {
        return BroadcastBlocks.held(sc, value -> value instanceof String json && json.contains("\"vertices\""));
    }
}
