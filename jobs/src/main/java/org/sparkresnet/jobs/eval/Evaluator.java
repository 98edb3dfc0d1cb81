package org.sparkresnet.jobs.eval;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.model.record.ModelRecordZip;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The evaluate job's library half: loads a saved model and evaluates it on a prepared split with Spark. */
public final class Evaluator {
    private static final int BATCH = 128;

    private Evaluator() {
    }

    public static SparkEvaluation.Result run(JavaSparkContext sc, String model, String split) {
        Configuration conf = sc.hadoopConfiguration();
        String modelUri = HadoopFiles.qualify(model, conf);
        String splitUri = HadoopFiles.qualify(split, conf);
        SplitManifest manifest = SplitManifest.read(splitUri, conf);
        ModelRecordZip.SavedModel saved = ModelStore.loadWithRecord(new Path(modelUri), conf);
        ComputationGraph net = saved.network();
        // A ResNet's global pooling takes any image size, so only the record can tell that the model saw other images.
        saved.record().filter(r -> !r.input().equals(manifest.shape())).ifPresent(r -> {
            throw new IllegalArgumentException("model " + modelUri + " was trained on " + r.input() + " images, split " + splitUri
                    + " holds " + manifest.shape() + ": prepare the data at the model's input size");
        });
        try {
            net.outputSingle(Nd4j.zeros(DataType.FLOAT, 1, manifest.shape().channels(), manifest.shape().height(), manifest.shape().width()));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model " + modelUri + " cannot take the " + manifest.shape() + " images of split "
                    + splitUri + ": " + e.getMessage(), e);
        }
        long modelClasses = net.getOutputLayer(0).getParam("b").length();
        if (modelClasses != manifest.labelNames().size()) {
            throw new IllegalArgumentException("model " + modelUri + " predicts " + modelClasses + " classes but split "
                    + splitUri + " has " + manifest.labelNames().size());
        }
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, new ParameterAveragingTrainingMaster.Builder(BATCH).build());
        return SparkEvaluation.evaluate(sparkNet, ShardedDataset.minibatches(sc, splitUri, BATCH, -1), manifest.labelNames());
    }
}
