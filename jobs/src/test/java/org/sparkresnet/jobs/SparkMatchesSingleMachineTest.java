package org.sparkresnet.jobs;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.train.LearningRateSchedule;
import org.sparkresnet.jobs.train.OptimizerSettings;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainingMasters;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.TrainingOptions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spark training with one worker against single-machine training on the same minibatches, in the same order, from
 * the same initial parameters: ResNet-20, Adam with a warm-up epoch (so epoch 2 runs at another rate than epoch 1),
 * two epochs.
 *
 * <p>Why the two must agree: in Spark local[1] the job's parameter-averaging master has one worker. The RDD is one
 * partition holding exactly averagingFrequency full minibatches, so fit() makes one split per epoch
 * ({@code balancedRandomSplit} returns the RDD itself) and does not repartition it (one partition of the wanted
 * size); the worker re-batches nothing (every minibatch already has batchSizePerWorker examples) and fits them in
 * partition order, the order collect() gives here. It starts from the broadcast parameters and updater state, the
 * "average" of one result is that result divided by 1, and the driver then counts averagingFrequency iterations,
 * the number the worker ran. BatchNormalization's running mean and variance are parameters in DL4J, so they are
 * compared too, and agree because one worker saw every batch; with several workers, averaging running variances is
 * not the variance of all the data, which is one of the places where multi-worker training legitimately differs
 * from one machine (the others: averaged Adam moments, and each worker's own minibatch order between averagings).
 */
class SparkMatchesSingleMachineTest {
    static final int BATCH = 16;
    static final int BATCHES = 4;
    static final int EPOCHS = 2;
    /** Float32 arithmetic on the same thread count: measured equal to the last bit; the margin is for other CPUs. */
    static final double TOLERANCE = 1e-5;
    @TempDir
    static java.nio.file.Path work;
    static JavaSparkContext sc;
    static SplitManifest train;
    static List<DataSet> minibatches;
    static TrainRequest settings;
    static ComputationGraph singleMachine;

    @BeforeAll
    static void prepare() {
        sc = SparkContexts.create("spark-vs-single-machine-test", "local[1]");
        String data = work.resolve("data").toUri().toString();
        int images = BATCH * BATCHES;
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), data, images, false, images));
        String trainUri = new Path(data, "train").toString();
        train = SplitManifest.read(trainUri, sc.hadoopConfiguration());
        minibatches = ShardedDataset.minibatches(sc, trainUri, BATCH, 3).collect();
        assertEquals(BATCHES, minibatches.size());
        minibatches.forEach(b -> assertEquals(BATCH, b.numExamples(), "full minibatches only: the worker would re-batch others"));
        settings = new TrainRequest(data, work.resolve("unused").toUri().toString(), "resnet20", EPOCHS, BATCH, "adam", 2e-3, 0.9, 0,
                BATCHES, 7, false)
                .withOptimizer(new OptimizerSettings("adam", 2e-3, 0.9, 0, new LearningRateSchedule(LearningRateSchedule.Decay.CONSTANT, 1, 1, 1)));
        singleMachine = fresh();
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            minibatches.forEach(singleMachine::fit); // what the worker does: fit(MultiDataSet) per minibatch
            singleMachine.incrementEpochCount(); // what SparkComputationGraph.fit does after each pass
        }
    }

    @AfterAll
    static void stop() {
        if (sc != null) {
            sc.close();
        }
    }

    /** The job's network for these settings: the same seed gives the same initial parameters. */
    static ComputationGraph fresh() {
        return ResNets.build(new ModelRequest(settings.model(), train.shape(), train.numClasses(),
                new TrainingOptions(settings.optimizer().updater(EPOCHS, 0), 0, settings.seed())));
    }

    static ComputationGraph trainWithSpark(TrainingMaster<?, ?> master) {
        ComputationGraph initial = fresh();
        assertEquals(0, maxDifference(initial.params(), fresh().params()), "equal requests build equal initial parameters");
        SparkComputationGraph net = new SparkComputationGraph(sc, initial, master);
        for (int epoch = 0; epoch < EPOCHS; epoch++) {
            net.fit(sc.parallelize(minibatches, 1));
        }
        return net.getNetwork();
    }

    static double maxDifference(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void oneSparkWorkerTrainsExactlyLikeOneMachine() {
        ComputationGraph spark = trainWithSpark(TrainingMasters.parameterAveraging(settings));
        double params = maxDifference(spark.params(), singleMachine.params());
        double updater = maxDifference(spark.getUpdater().getStateViewArray(), singleMachine.getUpdater().getStateViewArray());
        System.out.printf("one Spark worker vs one machine, %d epochs: max |parameter difference| %.3g, max |Adam state difference| %.3g%n",
                EPOCHS, params, updater);
        assertTrue(params <= TOLERANCE, "parameters (BN running statistics included) differ by up to " + params);
        assertTrue(updater <= TOLERANCE, "Adam moments differ by up to " + updater);
        assertTrue(singleMachine.getUpdater().getStateViewArray().amaxNumber().doubleValue() > 0, "the compared Adam state is not all zeros");
        assertEquals(singleMachine.getIterationCount(), spark.getIterationCount(), "iteration counter (Adam's bias correction)");
        assertEquals(singleMachine.getEpochCount(), spark.getEpochCount(), "epoch counter (the learning-rate schedule)");
    }

    /**
     * The bugs ContinuingParameterAveragingWorker works around: with dl4j-spark's own master the worker runs epoch 2
     * at epoch 1's learning rate from a fresh Adam, and the driver never receives the Adam moments.
     */
    @Test
    void stockParameterAveragingDiffersFromOneMachine() {
        ComputationGraph spark = trainWithSpark(TrainingMasters.stockParameterAveraging(settings).build());
        double params = maxDifference(spark.params(), singleMachine.params());
        System.out.printf("one stock dl4j-spark worker vs one machine: max |parameter difference| %.3g%n", params);
        assertTrue(params > 1e-2, "if dl4j-spark's own master now matches one machine (" + params + "), "
                + "ContinuingParameterAveragingWorker may be obsolete");
        assertEquals(0, spark.getUpdater().getStateViewArray().amaxNumber().doubleValue(), "the driver keeps its initial Adam state");
    }
}
