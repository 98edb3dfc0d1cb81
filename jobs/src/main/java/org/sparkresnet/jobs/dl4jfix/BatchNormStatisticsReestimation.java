package org.sparkresnet.jobs.dl4jfix;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Sgd;

import java.util.ArrayList;
import java.util.List;

/**
 * Workaround for gradient sharing (dl4j-spark-parameterserver 1.0.0-M2) leaving batch-norm running statistics
 * almost where they started.
 *
 * <p>DL4J moves BN's running mean and variance through the same update vector as the weights, and gradient sharing
 * threshold-encodes that whole vector: each statistic moves by at most about the threshold (1e-4) per iteration
 * and the residual clipping throws the rest away, while its real step is 100-10,000 times larger. The weights learn;
 * the model evaluated with those statistics scores near chance.
 *
 * <p>The fix recomputes the statistics on the driver after training: a copy of the network with the trained
 * parameters and every updater set to {@code Sgd(0.0)} (and no regularisation), so the weights stay exactly as they
 * are, is fitted on training minibatches; BN's running statistics use their own no-op updater, which ignores the
 * learning rate, so they converge to the real activation statistics (decay 0.9: after 60 batches 0.2% of the old
 * value remains). Only the BN {@code mean} and {@code var}/{@code log10stdev} parameters are copied back.
 * ({@code setLearningRate(0)} on the network itself fails in NetworkUtils.rebuildUpdaterStateArray.)
 * Tested in BatchNormStatisticsReestimationTest.
 */
public final class BatchNormStatisticsReestimation {
    /** Minibatches that bring the running statistics within about 0.2% of the activations' own (decay 0.9). */
    public static final int DEFAULT_BATCHES = 60;
    private static final List<String> STATISTICS = List.of("mean", "var", "log10stdev");

    private BatchNormStatisticsReestimation() {
    }

    /**
     * Re-estimates every BN layer's running statistics of {@code net} in place from up to {@code maxBatches}
     * minibatches of {@code data} (training data), going round it again if it holds fewer.
     *
     * @return the number of minibatches used (0 when the network has no batch norm)
     */
    public static int reestimate(ComputationGraph net, DataSetIterator data, int maxBatches) {
        if (maxBatches < 1) {
            throw new IllegalArgumentException("BN re-estimation needs at least 1 minibatch, got " + maxBatches);
        }
        List<String> bnLayers = batchNormLayers(net);
        if (bnLayers.isEmpty()) {
            return 0;
        }
        ComputationGraph frozen = frozenCopy(net);
        int used = 0;
        while (used < maxBatches && hasNextOrRestart(data, used)) {
            frozen.fit(data.next());
            used++;
        }
        if (used == 0) {
            throw new IllegalArgumentException("no training minibatches to re-estimate batch-norm statistics from");
        }
        for (String name : bnLayers) {
            Layer target = net.getLayer(name);
            Layer estimated = frozen.getLayer(name);
            for (String key : STATISTICS) {
                if (target.paramTable().containsKey(key)) {
                    target.getParam(key).assign(estimated.getParam(key));
                }
            }
        }
        return used;
    }

    /** Small training sets have fewer minibatches than the statistics need: go round them again. */
    private static boolean hasNextOrRestart(DataSetIterator data, int used) {
        if (!data.hasNext() && used > 0 && data.resetSupported()) {
            data.reset();
        }
        return data.hasNext();
    }

    static List<String> batchNormLayers(ComputationGraph net) {
        List<String> names = new ArrayList<>();
        for (Layer layer : net.getLayers()) {
            if (layer instanceof BatchNormalization) {
                names.add(layer.conf().getLayer().getLayerName());
            }
        }
        return names;
    }

    /** Same graph and parameters; every weight update is exactly zero. */
    private static ComputationGraph frozenCopy(ComputationGraph net) {
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        for (GraphVertex vertex : conf.getVertices().values()) {
            if (vertex instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BaseLayer layer) {
                layer.setIUpdater(new Sgd(0.0));
                layer.setBiasUpdater(null);
                layer.setRegularization(List.of());
                layer.setRegularizationBias(List.of());
            }
        }
        // clone() drops a pinned topological order; without it the copy lays the same flat parameters out differently
        conf.setTopologicalOrder(net.getConfiguration().getTopologicalOrder());
        conf.setTopologicalOrderStr(net.getConfiguration().getTopologicalOrderStr());
        ComputationGraph copy = new ComputationGraph(conf);
        copy.init(net.params().dup(), false);
        return copy;
    }
}
