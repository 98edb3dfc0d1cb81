package org.sparkresnet.jobs.train;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.sparkresnet.data.spark.SparkContexts;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An epoch's memory figures on real Spark (local[2]) when Spark's executor metrics say nothing: its polls (every
 * second) give a task only the readings that landed while it ran, so an epoch of short averaging rounds can end with
 * none at all (a clean-clone CI run reported 0 bytes for one). The workers' own samples fill the window.
 */
class ClusterUsageTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = new JavaSparkContext(SparkContexts.conf("ClusterUsageTest", "local[2]"));
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.stop();
        }
    }

    @Test
    void theWorkersSamplesFillAWindowThatSparksPollsMissed() {
        TrainingProgress progress = new TrainingProgress(sc);
        // not added to the listener bus: Spark's side of the window stays empty, as when no poll landed in a task
        ClusterUsage usage = new ClusterUsage(progress);
        ProgressListener listener = progress.listener();
        sc.parallelize(List.of(1, 2, 3, 4), 4).foreach(i -> {
            MultiLayerNetwork net = tinyNetwork();
            net.setListeners(listener);
            net.fit(new DataSet(Nd4j.rand(DataType.FLOAT, 3, 2), Nd4j.eye(3).getColumns(0, 1).castTo(DataType.FLOAT)));
        });

        ClusterUsage.Window window = usage.take();
        // a JVM that loaded ND4J and Spark holds well over 100 MiB resident, and its heap is part of that
        assertTrue(window.peakExecutorRssBytes() > 100L << 20, "resident memory: " + window.peakExecutorRssBytes());
        assertTrue(window.peakExecutorHeapBytes() > 0 && window.peakExecutorHeapBytes() < window.peakExecutorRssBytes(),
                window.toString());
        assertEquals(4, progress.snapshot().iterations());

        ClusterUsage.Window next = usage.take();
        assertEquals(0, next.peakExecutorRssBytes(), "a window in which nothing trained starts from nothing");
        assertEquals(0, next.peakExecutorHeapBytes());
    }

    @Test
    void theMaximumAccumulatorKeepsTheLargestValueOfAnyTask() {
        MaxAccumulator max = new MaxAccumulator();
        sc.sc().register(max, "test max");
        sc.parallelize(List.of(5L, 70L, 3L, 12L), 4).foreach(max::add);
        assertEquals(70L, max.value());
        assertEquals(70L, max.getAndReset());
        assertTrue(max.isZero());
        sc.parallelize(List.of(2L), 1).foreach(max::add);
        assertEquals(2L, max.value(), "after a reset the next window's values only");
    }

    private static MultiLayerNetwork tinyNetwork() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(2).nOut(2).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }
}
