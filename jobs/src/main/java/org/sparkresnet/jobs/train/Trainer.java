package org.sparkresnet.jobs.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.StreamedSplit;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.fs.OutputLock;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.data.stream.EpochPlan;
import org.sparkresnet.jobs.dl4jfix.EveryBatchParameterAveragingTrainingMaster;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.sparkresnet.jobs.dl4jfix.BatchNormStatisticsReestimation;
import org.sparkresnet.jobs.dl4jfix.SharingEpochCounter;
import org.sparkresnet.jobs.eval.SparkEvaluation;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.metrics.MetricsLog;
import org.sparkresnet.jobs.store.CheckpointMarker;
import org.sparkresnet.jobs.store.Checkpoints;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.jobs.store.RunManifest;
import org.sparkresnet.jobs.store.RunStaging;
import org.sparkresnet.runtime.NativeRuntime;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The train job's library half: builds (or resumes) the model, trains it with Spark one fit per epoch, evaluates
 * and checkpoints between epochs, and saves model.zip and run.json at the end. One SparkComputationGraph and one
 * TrainingMaster serve the whole run: a second SharedTrainingMaster in a JVM relaunches the JVM-wide parameter
 * server, the riskiest path of gradient sharing.
 */
public final class Trainer {
    public static final String MODEL_FILE = "model.zip";
    public static final String TRAIN_SPLIT = "train";
    public static final String TEST_SPLIT = "test";
    /** No iteration on any worker for this long fails the run (see {@link StallWatchdog}). */
    public static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(20);

    private final JavaSparkContext sc;
    private final PrintStream out;
    private final Duration progressInterval;
    private final int metricsEvery;
    private Duration stallTimeout = DEFAULT_STALL_TIMEOUT;
    private java.util.function.Consumer<EpochMetrics> epochObserver = epoch -> { };

    public Trainer(JavaSparkContext sc, PrintStream out, Duration progressInterval) {
        this(sc, out, progressInterval, IterationRecorder.DEFAULT_EVERY);
    }

    /** @param metricsEvery at most one metrics point (metrics.json iterations, report, TensorBoard) per this many iterations */
    public Trainer(JavaSparkContext sc, PrintStream out, Duration progressInterval, int metricsEvery) {
        this.sc = sc;
        this.out = out;
        this.progressInterval = progressInterval;
        this.metricsEvery = metricsEvery;
    }

    /** How long without a training iteration on any worker fails the run; zero: never (no watchdog). */
    public Trainer stallTimeout(Duration timeout) {
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("stall timeout must be >= 0, got " + timeout);
        }
        this.stallTimeout = timeout;
        return this;
    }

    /** Told of every finished epoch (its metrics written), before its checkpoint; for tools such as the soak command. */
    public Trainer onEpochEnd(java.util.function.Consumer<EpochMetrics> observer) {
        this.epochObserver = java.util.Objects.requireNonNull(observer, "observer");
        return this;
    }

    /**
     * Trains under the output's lock (a second run into the same output is refused). With --overwrite over a previous
     * run, the new one is written beside it and replaces it only when finished ({@link RunStaging}).
     */
    public TrainResult run(TrainRequest unqualified) {
        Configuration conf = sc.hadoopConfiguration();
        // executors run in other working directories: relative paths must mean the driver's
        TrainRequest request = unqualified.withPaths(HadoopFiles.qualify(unqualified.dataUri(), conf),
                HadoopFiles.qualify(unqualified.outputUri(), conf));
        Path output = new Path(request.outputUri());
        try (OutputLock.Held lock = OutputLock.acquire(output, conf, out::println)) {
            RunStaging staging = checkOutput(request, output, conf);
            if (staging.staged()) {
                out.println("--overwrite: the previous run in " + output + " stays as it is until this one has finished; this run"
                        + " writes into " + staging.workDir());
            }
            TrainResult result = train(request, staging.workDir(), conf);
            staging.commit();
            return new TrainResult(result.network(), staging.finalPath(new Path(result.modelUri())).toString(),
                    staging.finalPath(new Path(result.metricsUri())).toString(), result.epochs());
        }
    }

    /** The run itself, writing everything into {@code output} (the output folder, or the staging folder beside it). */
    private TrainResult train(TrainRequest request, Path output, Configuration conf) {
        Path modelPath = new Path(output, MODEL_FILE);
        Checkpoints checkpoints = new Checkpoints(output, conf);
        String trainUri = splitUri(request, TRAIN_SPLIT);
        String testUri = splitUri(request, TEST_SPLIT);
        SplitManifest train = SplitManifest.read(trainUri, conf);
        SplitManifest test = SplitManifest.read(testUri, conf);
        if (!train.shape().equals(test.shape()) || !train.labelNames().equals(test.labelNames())) {
            throw new IllegalArgumentException("train split " + trainUri + " (" + train.shape() + ", " + train.labelNames().size()
                    + " classes) and test split " + testUri + " (" + test.shape() + ", " + test.labelNames().size() + " classes) do not match");
        }

        out.println(NativeRuntime.describe());
        StartingPoint start = StartingPoint.of(request, train, checkpoints, conf);
        ComputationGraph net = start.network();
        out.printf("model %s: %,d parameters, input %s, %d classes; data %s: %,d training / %,d test images; %s mode;"
                        + " augmentation: %s%n",
                request.model(), net.numParams(), train.shape(), train.labelNames().size(), request.dataUri(),
                train.numExamples(), test.numExamples(), request.mode().flag(), request.augment().flag());
        if (start.epochsDone() > 0) {
            out.printf("resuming after epoch %d of %d from %s%n", start.epochsDone(), request.epochs(), checkpoints.dir());
        }

        TrainingMaster<?, ?> master = TrainingMasters.forRequest(request, sc.master(), sc.getConf().get("spark.driver.host", null),
                trainingWorkers(sc, request));
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, master);
        TrainingProgress progress = new TrainingProgress(sc);
        SharingEpochCounter epochCounter = new SharingEpochCounter();
        List<TrainingListener> listeners = new ArrayList<>(List.of(progress.listener()));
        if (request.mode() == TrainingMode.SHARING) {
            listeners.add(epochCounter);
        }
        sparkNet.setListeners(listeners);
        Map<String, Object> description = runDescription(request, train, test, net);
        MetricsLog metrics = new MetricsLog(output, conf, description);
        metrics.resume(start.metricsSoFar());
        IterationRecorder recorder = new IterationRecorder(progress, metricsEvery, metrics.iterationsDone(), metrics.examplesDone(),
                epoch -> request.optimizer().rateAtEpoch(epoch - 1, request.epochs()), metrics::addIteration);
        ProgressPrinter printer = new ProgressPrinter(progress, out, progressInterval, request.epochs(), train.numExamples(), recorder);
        JavaRDD<DataSet> testData = ShardedDataset.minibatches(sc, testUri, request.batchSize(), -1);

        ClusterUsage usage = new ClusterUsage(progress);
        sc.sc().addSparkListener(printer);
        sc.sc().addSparkListener(usage);
        try (StallWatchdog watchdog = stallTimeout.isZero() ? null : new StallWatchdog(sc, progress.iterations(), stallTimeout,
                Duration.ofMillis(Math.max(100, Math.min(10_000, stallTimeout.toMillis() / 10))))) {
            for (int epoch = start.epochsDone() + 1; epoch <= request.epochs(); epoch++) {
                printer.startEpoch(epoch);
                TrainingProgress.Snapshot before = progress.snapshot();
                epochCounter.setEpoch(epoch - 1 - start.epochsDone());
                long startNanos = System.nanoTime();
                usage.take();
                fitWatched(watchdog, sparkNet, master, request, epoch, progress, checkpoints);
                printer.endEpoch();
                double seconds = (System.nanoTime() - startNanos) / 1e9;
                ClusterUsage.Window cost = usage.takeWhenDelivered(sc);
                if (request.mode() == TrainingMode.SHARING) {
                    BatchNormStatisticsReestimation.reestimate(sparkNet.getNetwork(),
                            ShardedDataset.localIterator(trainUri, conf, request.batchSize()), BatchNormStatisticsReestimation.DEFAULT_BATCHES);
                }
                TrainingProgress.Snapshot epochTotals = progress.snapshot().minus(before);
                SparkEvaluation.Result eval = SparkEvaluation.evaluate(sparkNet, testData, test.labelNames());
                EpochMetrics m = new EpochMetrics(epoch, epochTotals.iterations(), epochTotals.examples(), epochTotals.meanLoss(),
                        eval.accuracy(), eval.top5Accuracy(), request.optimizer().rateAtEpoch(epoch - 1, request.epochs()),
                        seconds, epochTotals.examples() / seconds, epochTotals.workerLoopSeconds(), trainingWorkers(sc, request),
                        epochTotals.dataWaitSeconds(), cost.shuffleWriteBytes(), cost.peakExecutorRssBytes(), cost.peakExecutorHeapBytes());
                metrics.append(m);
                epochObserver.accept(m);
                out.printf("epoch %d/%d done: train loss %.4f, test accuracy %.4f%s, lr %.3g, %.1f images/s, %.0f s"
                                + " (%d workers %.0f%% of the time in the minibatch loop, %.1f%% of it waiting for data)%n",
                        epoch, request.epochs(), m.trainLoss(), m.testAccuracy(),
                        Double.isNaN(m.testTop5Accuracy()) ? "" : String.format(" (top-5 %.4f)", m.testTop5Accuracy()),
                        m.learningRate(), m.imagesPerSecond(), seconds, m.workers(), 100 * m.computeShare(), 100 * m.dataWaitShare());
                if (epoch % request.checkpointEvery() == 0 || epoch == request.epochs()) {
                    checkpoints.write(sparkNet.getNetwork(), new CheckpointMarker(CheckpointMarker.FORMAT_VERSION, epoch,
                            request.epochs(), request.model(), request.dataUri(), request.mode().flag(), Checkpoints.zipName(epoch),
                            1, metrics.epochs(), request.baseModelUri(), request.freezeThrough()));
                }
            }
        } finally {
            sc.sc().removeSparkListener(printer);
            sc.sc().removeSparkListener(usage);
        }
        out.printf("writing the model to %s%n", modelPath);
        ModelStore.save(sparkNet.getNetwork(), modelPath, conf, true, ModelStore.recordOf(request.model(), train, request.dataUri()));
        List<EpochMetrics> epochs = metrics.epochs();
        description.put("finalMetrics", epochs.isEmpty() ? null : epochs.get(epochs.size() - 1));
        RunManifest.write(output, conf, description);
        return new TrainResult(sparkNet.getNetwork(), modelPath.toString(), metrics.file().toString(), epochs);
    }

    /** {@link #fitEpoch} with the watchdog armed: a stall becomes a {@link TrainingStalledException} saying how to go on. */
    private void fitWatched(StallWatchdog watchdog, SparkComputationGraph sparkNet, TrainingMaster<?, ?> master, TrainRequest request,
                            int epoch, TrainingProgress progress, Checkpoints checkpoints) {
        if (watchdog == null) {
            fitEpoch(sc, sparkNet, master, request, epoch, progress);
            return;
        }
        watchdog.arm();
        try {
            fitEpoch(sc, sparkNet, master, request, epoch, progress);
        } catch (Exception e) { // Spark rethrows a cancelled job as the checked SparkException
            if (watchdog.stallReason() == null) {
                throw e;
            }
            // --resume and --overwrite contradict each other: an --overwrite run can only be started again
            String next = request.overwrite()
                    ? "this --overwrite run cannot be resumed: run the same command again (any previous run in the output is untouched)"
                    : checkpoints.latestComplete()
                            .map(c -> "the last whole checkpoint is after epoch " + c.marker().epochsDone() + " (" + c.zip() + ")")
                            .orElse("there is no checkpoint yet") + "; run the same command with --resume to continue from it";
            throw new TrainingStalledException("training stalled in epoch " + epoch + " of " + request.epochs() + ": "
                    + watchdog.stallReason() + ", so the run was stopped (a lost executor in gradient sharing, a worker that cannot"
                    + " reach the driver?); " + next, e);
        } finally {
            watchdog.disarm();
        }
    }

    /**
     * Trains one epoch (1-based). Only minibatch references are dealt: the driver plans the epoch from the manifest
     * ({@link EpochPlan}: the order follows the run's seed and the epoch, so a resumed run sees the data the killed one
     * would have) and the workers read and decode their minibatches from the shards as they train, in either mode.
     */
    static void fitEpoch(JavaSparkContext sc, SparkComputationGraph sparkNet, TrainingMaster<?, ?> master, TrainRequest request,
                         int epoch, TrainingProgress progress) {
        StreamedSplit split = StreamedSplit.open(sc, splitUri(request, TRAIN_SPLIT)); // the manifest, once for every round
        EpochPlan plan = split.plan(request.batchSize(), epochSeed(request, epoch));
        Augmentation augmentation = request.augment().augmentation();
        LongAccumulator wait = progress.dataWaitNanos();
        if (master instanceof EveryBatchParameterAveragingTrainingMaster averaging) {
            averaging.fitEpoch(sparkNet, plan, (round, partitions) -> split.minibatches(round, partitions, augmentation, wait));
        } else {
            sparkNet.fit(sharingMinibatches(sc, split, plan, request, wait));
        }
    }

    /** The training split's minibatches for one epoch (1-based) as gradient sharing trains them; for tests and tools. */
    public static JavaRDD<DataSet> trainingMinibatches(JavaSparkContext sc, TrainRequest request, int epoch) {
        StreamedSplit split = StreamedSplit.open(sc, splitUri(request, TRAIN_SPLIT));
        return sharingMinibatches(sc, split, split.plan(request.batchSize(), epochSeed(request, epoch)), request, null);
    }

    /** The plan's seed: the run's seed and the epoch (1-based), so a resumed run plans what the killed one would have. */
    private static long epochSeed(TrainRequest request, int epoch) {
        return request.seed() + epoch;
    }

    private static JavaRDD<DataSet> sharingMinibatches(JavaSparkContext sc, StreamedSplit split, EpochPlan plan, TrainRequest request,
                                                       LongAccumulator wait) {
        return split.minibatches(plan, sharingPartitions(sc, plan, request), request.augment().augmentation(), wait);
    }

    /**
     * Gradient sharing trains a partition per Spark task, each task on one worker: as many partitions as the split has
     * shards (progress arrives per partition), and never fewer than the cluster's task slots, because dl4j-spark
     * repartitions (counting and shuffling the data) when a worker would get none.
     */
    private static int sharingPartitions(JavaSparkContext sc, EpochPlan plan, TrainRequest request) {
        int slots = Math.max(sc.defaultParallelism(), request.sharing().workersPerNode());
        return Math.max(1, Math.min(plan.size(), Math.max(plan.shardFiles().size(), slots)));
    }

    private static String splitUri(TrainRequest request, String split) {
        return new Path(request.dataUri(), split).toString();
    }

    /**
     * Workers training at once: averaging runs one per executor core (one per task slot); sharing runs
     * workersPerNode per executor (in local mode the driver is the one executor). On a cluster whose executors are
     * still registering this may count too few (train's --lr-workers fixes the count for the learning rate).
     */
    public static int trainingWorkers(JavaSparkContext sc, TrainRequest request) {
        if (request.mode() == TrainingMode.AVERAGING) {
            return sc.defaultParallelism();
        }
        int executors = Math.max(1, sc.sc().getExecutorMemoryStatus().size() - 1);
        return executors * request.sharing().workersPerNode();
    }

    /**
     * Refuses to mix runs: a finished or started run in the output needs --resume or --overwrite. With --overwrite over
     * a previous run, the new one is staged beside it.
     */
    private static RunStaging checkOutput(TrainRequest request, Path output, Configuration conf) {
        Path modelPath = new Path(output, MODEL_FILE);
        Checkpoints checkpoints = new Checkpoints(output, conf);
        if (request.overwrite()) {
            boolean previousRun = HadoopFiles.exists(modelPath, conf) || HadoopFiles.exists(checkpoints.dir(), conf)
                    || HadoopFiles.exists(new Path(output, RunManifest.FILE_NAME), conf) || HadoopFiles.exists(new Path(output, MetricsLog.FILE_NAME), conf);
            return previousRun ? RunStaging.beside(output, conf) : RunStaging.direct(output, conf);
        }
        if (HadoopFiles.exists(modelPath, conf) && !request.resume()) {
            throw new IllegalArgumentException("output " + output + " already holds a trained model (" + MODEL_FILE
                    + "); choose another --output or pass --overwrite");
        }
        if (!request.resume() && checkpoints.anyComplete()) {
            throw new IllegalArgumentException("output " + output + " holds checkpoints of an unfinished run (" + checkpoints.dir()
                    + "); pass --resume to continue it or --overwrite to start again");
        }
        return RunStaging.direct(output, conf);
    }

    private Map<String, Object> runDescription(TrainRequest request, SplitManifest train, SplitManifest test, ComputationGraph net) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("request", request);
        run.put("dataset", train.dataset());
        run.put("inputShape", train.shape().toString());
        run.put("classes", train.labelNames());
        run.put("trainExamples", train.numExamples());
        run.put("testExamples", test.numExamples());
        run.put("trainShards", train.shards().size());
        run.put("parameters", net.numParams());
        run.put("sparkMaster", sc.master());
        run.put("defaultParallelism", sc.defaultParallelism());
        run.put("versions", RunManifest.versions(sc.version()));
        return run;
    }
}
