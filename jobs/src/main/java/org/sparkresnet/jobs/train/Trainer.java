package org.sparkresnet.jobs.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.jobs.eval.SparkEvaluation;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.metrics.MetricsLog;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.TrainingOptions;
import org.sparkresnet.runtime.NativeRuntime;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** The train job's library half: builds the model, trains it with Spark, evaluates each epoch, saves the results. */
public final class Trainer {
    public static final String MODEL_FILE = "model.zip";
    public static final String TRAIN_SPLIT = "train";
    public static final String TEST_SPLIT = "test";

    private final JavaSparkContext sc;
    private final PrintStream out;
    private final Duration progressInterval;

    public Trainer(JavaSparkContext sc, PrintStream out, Duration progressInterval) {
        this.sc = sc;
        this.out = out;
        this.progressInterval = progressInterval;
    }

    public TrainResult run(TrainRequest request) {
        Configuration conf = sc.hadoopConfiguration();
        Path output = new Path(request.outputUri());
        Path modelPath = new Path(output, MODEL_FILE);
        if (!request.overwrite() && HadoopFiles.exists(modelPath, conf)) {
            throw new IllegalArgumentException("output " + output + " already holds a trained model (" + MODEL_FILE
                    + "); choose another --output or pass --overwrite");
        }
        String trainUri = new Path(request.dataUri(), TRAIN_SPLIT).toString();
        String testUri = new Path(request.dataUri(), TEST_SPLIT).toString();
        SplitManifest train = SplitManifest.read(trainUri, conf);
        SplitManifest test = SplitManifest.read(testUri, conf);
        if (!train.shape().equals(test.shape()) || !train.labelNames().equals(test.labelNames())) {
            throw new IllegalArgumentException("train split " + trainUri + " (" + train.shape() + ", " + train.labelNames().size()
                    + " classes) and test split " + testUri + " (" + test.shape() + ", " + test.labelNames().size() + " classes) do not match");
        }

        out.println(NativeRuntime.describe());
        ComputationGraph net = ResNets.build(new ModelRequest(request.model(), train.shape(), train.labelNames().size(),
                new TrainingOptions(updater(request), request.weightDecay(), request.seed())));
        out.printf("model %s: %,d parameters, input %s, %d classes; data %s: %,d training / %,d test images%n",
                request.model(), net.numParams(), train.shape(), train.labelNames().size(), request.dataUri(),
                train.numExamples(), test.numExamples());

        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, TrainingMasters.parameterAveraging(request));
        TrainingProgress progress = new TrainingProgress(sc);
        sparkNet.setListeners(progress.listener());
        ProgressPrinter printer = new ProgressPrinter(progress, out, progressInterval, request.epochs(), train.numExamples());
        MetricsLog metrics = new MetricsLog(output, conf, runDescription(request, train, net));
        JavaRDD<DataSet> testData = ShardedDataset.minibatches(sc, testUri, request.batchSize(), -1);

        sc.sc().addSparkListener(printer);
        try {
            for (int epoch = 1; epoch <= request.epochs(); epoch++) {
                printer.startEpoch(epoch);
                TrainingProgress.Snapshot before = progress.snapshot();
                long start = System.nanoTime();
                sparkNet.fit(ShardedDataset.minibatches(sc, trainUri, request.batchSize(), request.seed() + epoch));
                double seconds = (System.nanoTime() - start) / 1e9;
                TrainingProgress.Snapshot epochTotals = progress.snapshot().minus(before);
                SparkEvaluation.Result eval = SparkEvaluation.evaluate(sparkNet, testData, test.labelNames());
                EpochMetrics m = new EpochMetrics(epoch, epochTotals.iterations(), epochTotals.examples(), epochTotals.meanLoss(),
                        eval.accuracy(), eval.top5Accuracy(), request.learningRate(), seconds, epochTotals.examples() / seconds);
                metrics.append(m);
                out.printf("epoch %d/%d done: train loss %.4f, test accuracy %.4f, %.1f images/s, %.0f s%n",
                        epoch, request.epochs(), m.trainLoss(), m.testAccuracy(), m.imagesPerSecond(), seconds);
            }
        } finally {
            sc.sc().removeSparkListener(printer);
        }
        ModelStore.save(sparkNet.getNetwork(), modelPath, conf, true);
        return new TrainResult(sparkNet.getNetwork(), modelPath.toString(), metrics.file().toString(), metrics.epochs());
    }

    static IUpdater updater(TrainRequest request) {
        return switch (request.updater()) {
            case "adam" -> new Adam(request.learningRate());
            case "sgd" -> new Nesterovs(request.learningRate(), request.momentum());
            default -> throw new IllegalArgumentException("unknown updater " + request.updater());
        };
    }

    private Map<String, Object> runDescription(TrainRequest request, SplitManifest train, ComputationGraph net) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("request", request);
        run.put("dataset", train.dataset());
        run.put("inputShape", train.shape().toString());
        run.put("classes", train.labelNames());
        run.put("trainExamples", train.numExamples());
        run.put("parameters", net.numParams());
        run.put("sparkMaster", sc.master());
        run.put("defaultParallelism", sc.defaultParallelism());
        return run;
    }
}
