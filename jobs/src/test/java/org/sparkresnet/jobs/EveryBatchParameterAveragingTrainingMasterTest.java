package org.sparkresnet.jobs;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.ShardedDataset;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.dl4jfix.EveryBatchParameterAveragingTrainingMaster;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainingMasters;
import org.sparkresnet.jobs.train.TrainingProgress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shows dl4j-spark's parameter averaging skipping minibatches, and that our master trains on every one. */
class EveryBatchParameterAveragingTrainingMasterTest {
    static final int IMAGES = 640;
    @TempDir
    static java.nio.file.Path work;
    static JavaSparkContext sc;
    static String trainUri;
    static TrainRequest settings;

    @BeforeAll
    static void prepare() {
        sc = SparkContexts.create("every-batch-test", "local[2]");
        String data = work.resolve("data").toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), data, 128, false, IMAGES));
        trainUri = new Path(data, "train").toString();
        settings = new TrainRequest(data, work.resolve("unused").toUri().toString(), "resnet20", 1, 32, "adam", 1e-3, 0.9, 0, 2, 7, false);
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    /** Examples the workers trained on in one pass over the split, counted by the workers' listeners. */
    static long examplesTrainedOn(TrainingMaster<?, ?> master, long shuffleSeed) {
        SparkComputationGraph net = new SparkComputationGraph(sc, smallNet(), master);
        TrainingProgress progress = new TrainingProgress(sc);
        net.setListeners(progress.listener());
        net.fit(ShardedDataset.minibatches(sc, trainUri, settings.batchSize(), shuffleSeed));
        return progress.snapshot().examples();
    }

    /** The bug is in the training master, not the model: a small dense net keeps this test fast. */
    static ComputationGraph smallNet() {
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3))
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(28, 28, 1))
                .addLayer("dense", new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build(), "dense")
                .setOutputs("out").build());
        net.init();
        return net;
    }

    @Test
    void stockParameterAveragingSkipsMinibatches() {
        long trained = examplesTrainedOn(TrainingMasters.stockParameterAveraging(settings).build(), 8);
        assertTrue(trained < IMAGES, "dl4j-spark M2 caps each worker at averagingFrequency minibatches per split; "
                + "if it now trains on all " + IMAGES + " images, the workaround may be obsolete (trained on " + trained + ")");
    }

    @Test
    void ourMasterTrainsOnEveryMinibatch() {
        for (long seed : new long[]{8, 9, 10}) {
            TrainingMaster<?, ?> master = TrainingMasters.parameterAveraging(settings);
            assertTrue(master instanceof EveryBatchParameterAveragingTrainingMaster);
            assertEquals(IMAGES, examplesTrainedOn(master, seed), "shuffle seed " + seed);
        }
    }

    /** Spark tasks one fit over the split runs: 640 images in 5 shards, 20 minibatches, 2 workers x 2 per round = 5 rounds. */
    static int tasksInOneFit(TrainingMaster<?, ?> master) throws Exception {
        AtomicInteger tasks = new AtomicInteger();
        SparkListener counter = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                tasks.incrementAndGet();
            }
        };
        sc.sc().addSparkListener(counter);
        try {
            examplesTrainedOn(master, 8);
            sc.sc().listenerBus().waitUntilEmpty();
        } finally {
            sc.sc().removeSparkListener(counter);
        }
        return tasks.get();
    }

    @Test
    void stockParameterAveragingRereadsAllDataEveryRound() throws Exception {
        int rounds = 5;
        int partitions = 5;
        int tasks = tasksInOneFit(TrainingMasters.stockParameterAveraging(settings).build());
        assertTrue(tasks >= rounds * partitions, "each round's split filters every partition of the data (the bug): " + tasks + " tasks");
    }

    /**
     * The job's path: an epoch planned as references, each round read by its workers straight from the shards.
     * 640 images in minibatches of 32 = 20; 2 workers x 2 per round = 5 rounds of 2 tasks, and no shuffle.
     */
    @Test
    void ourMasterTrainsAStreamedEpochRoundByRoundWithoutAShuffle() throws Exception {
        AtomicInteger tasks = new AtomicInteger();
        java.util.concurrent.atomic.AtomicLong shuffled = new java.util.concurrent.atomic.AtomicLong();
        SparkListener counter = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                tasks.incrementAndGet();
                shuffled.addAndGet(taskEnd.taskMetrics().shuffleWriteMetrics().bytesWritten());
            }
        };
        EveryBatchParameterAveragingTrainingMaster master = (EveryBatchParameterAveragingTrainingMaster) TrainingMasters.parameterAveraging(settings);
        SparkComputationGraph net = new SparkComputationGraph(sc, smallNet(), master);
        TrainingProgress progress = new TrainingProgress(sc);
        TRAINING_THREADS.clear();
        net.setListeners(progress.listener(), new TrainingThreadRecorder());
        org.sparkresnet.data.stream.EpochPlan plan = ShardedDataset.epochPlan(sc, trainUri, settings.batchSize(), 8);
        sc.sc().addSparkListener(counter);
        try {
            master.fitEpoch(net, plan, (round, partitions) -> {
                assertEquals(2, partitions, "one partition per worker");
                return ShardedDataset.streamed(sc, trainUri, round, partitions, null, progress.dataWaitNanos());
            });
            sc.sc().listenerBus().waitUntilEmpty();
        } finally {
            sc.sc().removeSparkListener(counter);
        }
        assertEquals(IMAGES, progress.snapshot().examples(), "every image trained on once");
        assertEquals(10, tasks.get(), "5 rounds x 2 worker tasks, nothing else");
        assertEquals(0, shuffled.get());
        assertEquals(1, net.getNetwork().getEpochCount(), "the epoch counter advances as SparkComputationGraph.fit's does");
        assertTrue(!TRAINING_THREADS.isEmpty() && TRAINING_THREADS.stream().allMatch(t -> t.startsWith("dl4j-pinned-worker-")),
                "the workers train on pinned threads (PinnedWorkerThreads), not Spark's task threads: " + TRAINING_THREADS);
    }

    /** Names of the threads the workers trained on (local mode: the workers' listener copies run in this JVM). */
    static final Set<String> TRAINING_THREADS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static final class TrainingThreadRecorder extends org.deeplearning4j.optimize.api.BaseTrainingListener implements java.io.Serializable {
        @Override
        public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
            TRAINING_THREADS.add(Thread.currentThread().getName());
        }
    }

    @Test
    void ourMasterDealsTheRoundsInOneShuffle() throws Exception {
        // one count, one zipWithIndex size pass and one shuffle over the 5 partitions, then 2 worker tasks per round
        int tasks = tasksInOneFit(TrainingMasters.parameterAveraging(settings));
        assertTrue(tasks <= 3 * 5 + 2 * 5, tasks + " tasks");
    }

    /** Ids of the broadcasts whose value is a round's parameters and updater state, held by the block manager now. */
    static Set<Long> roundBroadcastsHeld() {
        return org.sparkresnet.jobs.dl4jfix.BroadcastBlocks.held(sc, value -> value instanceof NetBroadcastTuple);
    }

    /**
     * Broadcasts of round parameters that one fit with {@code master} leaves behind in the block manager, after waiting
     * up to {@code settle} for removals under way (a destroy is asynchronous).
     */
    static Set<Long> roundBroadcastsLeftBy(TrainingMaster<?, ?> master, java.time.Duration settle) throws InterruptedException {
        Set<Long> before = roundBroadcastsHeld();
        examplesTrainedOn(master, 8);
        long deadline = System.nanoTime() + settle.toNanos();
        while (true) {
            Set<Long> after = roundBroadcastsHeld();
            after.removeAll(before);
            if (after.isEmpty() || System.nanoTime() > deadline) {
                return after;
            }
            Thread.sleep(50);
        }
    }

    @Test
    void stockParameterAveragingKeepsEveryRoundsBroadcast() throws InterruptedException {
        // 5 rounds, 5 broadcasts; only a GC of the driver's heap (ContextCleaner) removes them, so the last one at least
        // is still held when the fit returns
        Set<Long> left = roundBroadcastsLeftBy(TrainingMasters.stockParameterAveraging(settings).build(), java.time.Duration.ZERO);
        assertTrue(left.size() >= 1, "dl4j-spark M2 never releases a round's broadcast; if none is left, the fix may be obsolete: " + left);
    }

    @Test
    void ourMasterReleasesEachRoundsBroadcast() throws InterruptedException {
        assertEquals(Set.of(), roundBroadcastsLeftBy(TrainingMasters.parameterAveraging(settings), java.time.Duration.ofSeconds(10)),
                "broadcasts of round parameters still held after the fit");
    }
}
