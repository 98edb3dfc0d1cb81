package org.sparkresnet.jobs;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.dl4jfix.BatchNormStatisticsReestimation;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingMasters;
import org.sparkresnet.jobs.train.TrainingMode;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.StartingPoint;
import org.sparkresnet.jobs.train.TaskCopies;
import org.sparkresnet.jobs.dl4jfix.SharingEpochCounter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.apache.spark.util.CollectionAccumulator;
import java.util.List;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.TrainingOptions;


import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient sharing (SharedTrainingMaster over Aeron on loopback) in Spark local[2] on real Fashion-MNIST. The two
 * tests run two SharedTrainingMasters one after the other in this JVM, and both must learn: while the model's
 * parameter layout differed between driver and workers (fixed in model), a second master stopped learning (loss
 * flat at 3.06) and Spark-side evaluation after sharing gave NaN predictions. Multi-JVM sharing is tested in
 * deploy's LocalClusterSharingIT.
 */
class GradientSharingTest {
    static final int IMAGES = 640;
    @TempDir
    static java.nio.file.Path work;
    static JavaSparkContext sc;
    static String dataUri;
    static String trainUri;
    static String testUri;

    @BeforeAll
    static void prepare() {
        sc = SparkContexts.create("gradient-sharing-test", "local[2]");
        dataUri = work.resolve("data").toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), dataUri, 128, false, IMAGES));
        trainUri = new Path(dataUri, "train").toString();
        testUri = new Path(dataUri, "test").toString();
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.close();
        }
    }

    static TrainRequest sharing(String output, int epochs) {
        return new TrainRequest(dataUri, output, "resnet20", epochs, 32, "adam", 2e-3, 0.9, 0, 1, 7, false)
                .withMode(TrainingMode.SHARING);
    }

    /**
     * The bug: threshold encoding throttles the BN running statistics, so the trained weights evaluated with them
     * score near chance. The fix: the same weights with re-estimated statistics.
     */
    @Test
    void reestimatedBatchNormStatisticsRescueGradientSharingAccuracy() {
        TrainRequest request = sharing(work.resolve("unused").toUri().toString(), 2);
        SplitManifest train = SplitManifest.read(trainUri, sc.hadoopConfiguration());
        ComputationGraph net = ResNets.build(new ModelRequest("resnet20", train.shape(), train.numClasses(),
                new TrainingOptions(request.optimizer().updater(2, 0), 0, request.seed())));
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, TrainingMasters.gradientSharing(request, sc.master()));
        for (int epoch = 1; epoch <= 2; epoch++) {
            sparkNet.fit(ShardedDataset.minibatches(sc, trainUri, request.batchSize(), epoch));
        }
        double without = localAccuracy(sparkNet.getNetwork());
        int batches = BatchNormStatisticsReestimation.reestimate(sparkNet.getNetwork(),
                ShardedDataset.localIterator(trainUri, sc.hadoopConfiguration(), request.batchSize()), BatchNormStatisticsReestimation.DEFAULT_BATCHES);
        double with = localAccuracy(sparkNet.getNetwork());
        System.out.printf("gradient sharing, 2 epochs on %d images: test accuracy %.4f with the running BN statistics as trained, "
                + "%.4f after re-estimating them from %d minibatches%n", IMAGES, without, with, batches);
        assertEquals(BatchNormStatisticsReestimation.DEFAULT_BATCHES, batches, "goes round the 20 training minibatches three times");
        assertTrue(without < 0.35, "if gradient sharing's BN statistics are now right (" + without + "), the fix may be obsolete");
        assertTrue(with > without + 0.2 && with > 0.45, "re-estimated statistics should be far better: " + without + " -> " + with);
    }

    /**
     * The train job in sharing mode, on its own SharedTrainingMaster, for one epoch (a master that does not learn
     * stays near 0.1); its evaluation runs on Spark.
     */
    @Test
    void theTrainJobLearnsBySharingAndItsSparkEvaluationMatchesALocalOne() {
        TrainResult result = new Trainer(sc, System.out, Duration.ZERO).run(sharing(work.resolve("job").toUri().toString(), 1));
        EpochMetrics epoch = result.last();
        System.out.printf("train job, gradient sharing, 1 epoch: loss %.4f, test accuracy %.4f%n", epoch.trainLoss(), epoch.testAccuracy());
        assertEquals(IMAGES, epoch.examples());
        assertEquals(0, epoch.shuffleWriteBytes(), "sharing trains the minibatches where they are read: no shuffle");
        assertTrue(epoch.dataWaitShare() >= 0 && epoch.dataWaitShare() < 1, "data wait measured: " + epoch);
        assertTrue(epoch.testAccuracy() > 0.2, "one epoch should beat chance (0.1) clearly (measured 0.29-0.31): " + epoch.testAccuracy());
        assertEquals(localAccuracy(result.network()), epoch.testAccuracy(), 1e-9, "Spark evaluation = evaluation on the driver");
    }

    static double localAccuracy(ComputationGraph net) {
        return net.evaluate(ShardedDataset.localIterator(testUri, sc.hadoopConfiguration(), 128),
                SplitManifest.read(testUri, sc.hadoopConfiguration()).labelNames()).accuracy();
    }

    /**
     * The bug: sharing workers train a model whose epoch counter dl4j-spark set once, at the executor's first fit
     * (in this JVM, under an earlier test's master), so an epoch schedule does not follow the driver's epochs. The
     * fix: SharingEpochCounter writes the driver's epoch into the trained model at the start of each task.
     */
    @Test
    void sharingWorkersFollowTheDriversEpochSchedule() {
        // warm-up over epoch 0 at half the rate, the full rate from epoch 1 on
        TrainRequest request = sharing(work.resolve("unused").toUri().toString(), 2)
                .withOptimizer(new OptimizerSettings("adam", 4e-3, 0.9, 0, new LearningRateSchedule(LearningRateSchedule.Decay.CONSTANT, 1, 1, 1.0)));
        SplitManifest train = SplitManifest.read(trainUri, sc.hadoopConfiguration());
        SparkComputationGraph sparkNet = new SparkComputationGraph(sc, StartingPoint.freshNetwork(request, train, 0),
                TrainingMasters.gradientSharing(request, sc.master()));
        EpochAtFitStart upstream = new EpochAtFitStart(sc.sc().collectionAccumulator("epoch counter as dl4j-spark left it"));
        RateInTraining used = new RateInTraining(sc.sc().collectionAccumulator("learning rate trained at"));
        SharingEpochCounter counter = new SharingEpochCounter();
        sparkNet.setListeners(List.of(upstream, counter, used)); // called in this order
        boolean upstreamFollowedTheDriver = true;
        for (int epoch = 0; epoch < 2; epoch++) {
            counter.setEpoch(epoch);
            upstream.values.reset();
            used.values.reset();
            sparkNet.fit(ShardedDataset.minibatches(sc, trainUri, request.batchSize(), epoch));
            int driverEpoch = epoch;
            upstreamFollowedTheDriver &= upstream.values.value().stream().allMatch(e -> e == driverEpoch);
            assertEquals(List.of(request.optimizer().rateAtEpoch(epoch, 2)), used.values.value().stream().distinct().toList(),
                    "epoch " + epoch + ": every worker iteration trains at the schedule's rate for this epoch");
        }
        assertFalse(upstreamFollowedTheDriver, "dl4j-spark's own epoch counter on the workers (the bug this works around)");
    }

    /** Records the epoch counter the trained model starts each task's fit with, before SharingEpochCounter sets it. */
    static final class EpochAtFitStart extends BaseTrainingListener implements java.io.Serializable {
        private static final TaskCopies<EpochAtFitStart> COPIES = new TaskCopies<>();
        final CollectionAccumulator<Integer> values;

        EpochAtFitStart(CollectionAccumulator<Integer> values) {
            this.values = values;
        }

        @Override
        public void onEpochStart(Model model) {
            COPIES.current(this).values.add(((ComputationGraph) model).getConfiguration().getEpochCount());
        }

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            COPIES.register(this);
        }
    }

    /** Records the learning rate of the first convolution at every worker iteration. */
    static final class RateInTraining extends BaseTrainingListener implements java.io.Serializable {
        private static final TaskCopies<RateInTraining> COPIES = new TaskCopies<>();
        final CollectionAccumulator<Double> values;

        RateInTraining(CollectionAccumulator<Double> values) {
            this.values = values;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            COPIES.current(this).values.add(((ComputationGraph) model).getLearningRate("conv1_conv"));
        }

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            COPIES.register(this);
        }
    }
}
