package org.sparkresnet.jobs;

import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.dl4jfix.BatchNormStatisticsReestimation;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.TrainingOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The re-estimation itself, without Spark: stale statistics ruin a trained net, re-estimated ones restore it, weights untouched. */
class BatchNormStatisticsReestimationTest {
    @TempDir
    static java.nio.file.Path work;

    @Test
    void reestimationRestoresStaleStatisticsAndLeavesWeightsAlone() {
        String data = work.resolve("data").toUri().toString();
        try (JavaSparkContext sc = SparkContexts.create("bn-reestimation-test", "local[1]")) {
            PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), data, 256, false, 512));
        }
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        String train = data + "/train";
        String test = data + "/test";
        SplitManifest manifest = SplitManifest.read(train, conf);
        ComputationGraph net = ResNets.build(new ModelRequest("resnet20", manifest.shape(), 10, new TrainingOptions(new Adam(2e-3), 0, 3)));
        for (int epoch = 0; epoch < 2; epoch++) {
            net.fit(ShardedDataset.localIterator(train, conf, 32));
        }
        double trained = accuracy(net, test, conf);
        // what gradient sharing leaves behind: running statistics near their initial values
        for (Layer layer : net.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                layer.getParam("mean").assign(0);
                layer.getParam(layer.paramTable().containsKey("var") ? "var" : "log10stdev").assign(layer.paramTable().containsKey("var") ? 1 : 0);
            }
        }
        double stale = accuracy(net, test, conf);
        org.nd4j.linalg.api.ndarray.INDArray weightsBefore = net.getLayer("output").getParam("W").dup();
        int used = BatchNormStatisticsReestimation.reestimate(net, ShardedDataset.localIterator(train, conf, 32), 60);
        double restored = accuracy(net, test, conf);
        System.out.printf("BN re-estimation: trained %.4f, stale statistics %.4f, re-estimated %.4f%n", trained, stale, restored);
        assertEquals(60, used);
        assertEquals(weightsBefore, net.getLayer("output").getParam("W"), "weights must not move");
        assertTrue(stale < trained - 0.15, "stale statistics should hurt: " + trained + " -> " + stale);
        assertTrue(restored > trained - 0.05, "re-estimated statistics should score like the trained ones: " + trained + " vs " + restored);
    }

    static double accuracy(ComputationGraph net, String split, org.apache.hadoop.conf.Configuration conf) {
        DataSetIterator it = ShardedDataset.localIterator(split, conf, 128);
        return net.evaluate(it, SplitManifest.read(split, conf).labelNames()).accuracy();
    }
}
