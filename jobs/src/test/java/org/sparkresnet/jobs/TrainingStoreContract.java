package org.sparkresnet.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.eval.EvaluationReport;
import org.sparkresnet.jobs.eval.Evaluator;
import org.sparkresnet.jobs.eval.SparkEvaluation;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.metrics.EventFiles;
import org.sparkresnet.jobs.metrics.MetricsLog;
import org.sparkresnet.jobs.metrics.TensorBoardLog;
import org.sparkresnet.jobs.metrics.TrainingReport;
import org.sparkresnet.jobs.store.Checkpoints;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.jobs.store.RunManifest;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The train and evaluate jobs with every path on one Hadoop store (a subclass starts a real one): real Fashion-MNIST
 * prepared onto the store, two epochs of ResNet-20 with the output there, the evaluate job reading the model from
 * there and writing its report beside it, and a run killed while writing its last checkpoint resumed from the store.
 * Nothing touches the local disk but the raw input files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TrainingStoreContract {
    static final int IMAGES = 256;
    static final int EPOCHS = 2;

    JavaSparkContext sc;
    Configuration conf;
    FileSystem fs;
    String dataUri;
    Path run;
    TrainResult trained;
    /** Everything the prepare and train jobs printed in {@link #prepareAndTrain} (also shown on stdout). */
    final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    /** Starts the store and points {@code conf} at it where needed. */
    abstract void startStore(Configuration conf) throws Exception;

    abstract void stopStore() throws Exception;

    /** A folder on the store for this test's data and runs. */
    abstract Path root();

    @BeforeAll
    void prepareAndTrain() throws Exception {
        sc = SparkContexts.create(getClass().getSimpleName(), "local[2]");
        conf = sc.hadoopConfiguration();
        startStore(conf);
        fs = root().getFileSystem(conf);
        dataUri = new Path(root(), "data").toString();
        PrintStream both = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                System.out.write(b);
                printed.write(b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                System.out.write(bytes, offset, length);
                printed.write(bytes, offset, length);
            }
        }, true, StandardCharsets.UTF_8);
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", FashionMnist.requireDir().toUri().toString(), dataUri, 128, false, IMAGES),
                both::println);
        run = new Path(root(), "runs/first");
        trained = new Trainer(sc, both, Duration.ZERO).run(request(run));
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (sc != null) {
                sc.close();
            }
        } finally {
            stopStore();
        }
    }

    TrainRequest request(Path output) {
        return new TrainRequest(dataUri, output.toString(), "resnet20", EPOCHS, 32, "adam", 2e-3, 0.9, 0, 2, 11, false);
    }

    void assertOnStore(Path file) throws IOException {
        assertTrue(fs.exists(file) && fs.getFileStatus(file).getLen() > 0, "missing or empty on the store: " + file);
    }

    @Test
    void trainingWritesModelRunMetricsReportAndCheckpointsOnTheStore() throws Exception {
        assertTrue(trained.modelUri().startsWith(root().toString()), trained.modelUri());
        for (String name : List.of(Trainer.MODEL_FILE, RunManifest.FILE_NAME, MetricsLog.FILE_NAME, TrainingReport.HTML)) {
            assertOnStore(new Path(run, name));
        }
        Path checkpoints = new Path(run, Checkpoints.DIR);
        for (int epoch = 1; epoch <= EPOCHS; epoch++) {
            assertOnStore(new Path(checkpoints, Checkpoints.zipName(epoch)));
            assertOnStore(new Path(checkpoints, Checkpoints.markerName(epoch)));
        }
        assertEquals(List.of(), Arrays.stream(fs.listStatus(run)).map(f -> f.getPath().getName()).filter(n -> n.startsWith(".")).toList(),
                "no temporary files left on the store");
        assertEquals(EPOCHS, new Checkpoints(run, conf).latestComplete().orElseThrow().marker().epochsDone());
        assertTrue(read(new Path(run, RunManifest.FILE_NAME)).contains("\"finalMetrics\""));
        assertTrue(read(new Path(run, MetricsLog.FILE_NAME)).contains("\"epoch\" : " + EPOCHS));
        assertTrue(read(new Path(run, MetricsLog.FILE_NAME)).contains("\"iterations\" : [ {"), "iteration points on the store");
        Path tensorBoard = new Path(run, TensorBoardLog.DIR);
        List<String> events = Arrays.stream(fs.listStatus(tensorBoard)).map(f -> f.getPath().getName()).sorted().toList();
        assertEquals(EPOCHS, events.size(), "one TensorBoard file per epoch and nothing else (no temporary files): " + events);
        events.forEach(name -> assertTrue(EventFiles.FILE_NAME.matcher(name).matches(), name));
        try (var in = fs.open(new Path(tensorBoard, events.get(EPOCHS - 1)))) {
            // framing and CRCs; the protobuf itself is decoded with protoc by TrainJobTest and TensorBoardLogTest
            byte[] first = EventFiles.records(in.readAllBytes(), events.get(EPOCHS - 1)).get(0);
            assertTrue(new String(first, java.nio.charset.StandardCharsets.UTF_8).contains(TensorBoardLog.FILE_VERSION), "file_version first");
        }

        ComputationGraph loaded = ModelStore.load(new Path(trained.modelUri()), conf);
        assertEquals(trained.network().params(), loaded.params(), "model.zip on the store holds the trained parameters");
        assertEquals(trained.network().getUpdater().getStateViewArray(), loaded.getUpdater().getStateViewArray(), "and the Adam state");
        assertEquals(IMAGES, trained.last().examples(), "every image trained on in the last epoch");
    }

    @Test
    void evaluateReadsTheModelFromTheStoreAndWritesItsReportThere() throws Exception {
        String testUri = new Path(dataUri, Trainer.TEST_SPLIT).toString();
        SparkEvaluation.Result result = Evaluator.run(sc, trained.modelUri(), testUri);
        assertEquals(trained.last().testAccuracy(), result.accuracy(), 1e-9, "the job's last evaluation, reproduced from the stored model");
        assertEquals(IMAGES, result.top1().getNumRowCounter());
        // the evaluate command's default report folder: the model's
        Path html = EvaluationReport.write(new Path(trained.modelUri()).getParent(), Trainer.TEST_SPLIT, trained.modelUri(), result,
                SplitManifest.read(testUri, conf).labelNames(), conf);
        assertEquals(new Path(run, "evaluation-test.html"), html);
        assertOnStore(html);
        String json = read(new Path(run, "evaluation-test.json"));
        assertTrue(json.contains("\"accuracy\" : " + result.accuracy()) && json.contains("\"confusion\""), json);
    }

    /**
     * The kill: the run died writing epoch 2's checkpoint. What writeAtomically leaves then is a half-written hidden
     * temporary; a kill after the zip's rename but before its marker leaves a zip without marker, here truncated as
     * well. model.zip and run.json were not written yet. Resume must continue from epoch 1's checkpoint on the store.
     */
    @Test
    void aRunKilledMidCheckpointResumesFromThePreviousWholeCheckpointOnTheStore() throws Exception {
        Path killed = new Path(root(), "runs/killed");
        assertTrue(FileUtil.copy(fs, run, fs, killed, false, conf));
        Path checkpoints = new Path(killed, Checkpoints.DIR);
        byte[] zip = readBytes(new Path(checkpoints, Checkpoints.zipName(EPOCHS)));
        byte[] half = Arrays.copyOf(zip, zip.length / 2);
        write(new Path(checkpoints, "." + Checkpoints.zipName(EPOCHS) + ".0f1e2d3c.tmp"), half);
        write(new Path(checkpoints, Checkpoints.zipName(EPOCHS)), half);
        for (Path gone : List.of(new Path(checkpoints, Checkpoints.markerName(EPOCHS)), new Path(killed, Trainer.MODEL_FILE),
                new Path(killed, RunManifest.FILE_NAME))) {
            assertTrue(fs.delete(gone, false), "could not delete " + gone);
        }
        assertEquals(EPOCHS - 1, new Checkpoints(killed, conf).latestComplete().orElseThrow().marker().epochsDone());

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        TrainResult resumed = new Trainer(sc, new PrintStream(printed, true, StandardCharsets.UTF_8), Duration.ZERO)
                .run(request(killed).withResume(true));
        String log = printed.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("resuming after epoch 1 of 2 from " + checkpoints), log);
        assertFalse(log.contains("epoch 1/2 done"), "epoch 1 is not trained again: " + log);
        assertEquals(List.of(1, 2), resumed.epochs().stream().map(EpochMetrics::epoch).toList());
        assertEquals(trained.epochs().get(0), resumed.epochs().get(0), "epoch 1's metrics come back from the stored checkpoint");
        assertEquals(IMAGES, resumed.last().examples());
        assertOnStore(new Path(killed, Trainer.MODEL_FILE));
        assertOnStore(new Path(killed, RunManifest.FILE_NAME));
        Checkpoints.Checkpoint last = new Checkpoints(killed, conf).latestComplete().orElseThrow();
        assertEquals(EPOCHS, last.marker().epochsDone(), "epoch 2's checkpoint is whole again");
        assertEquals(resumed.network().params(), last.load(conf).params());
    }

    String read(Path file) throws IOException {
        return new String(readBytes(file), StandardCharsets.UTF_8);
    }

    byte[] readBytes(Path file) throws IOException {
        try (FSDataInputStream in = fs.open(file)) {
            return in.readAllBytes();
        }
    }

    void write(Path file, byte[] bytes) throws IOException {
        try (FSDataOutputStream out = fs.create(file, true)) {
            out.write(bytes);
        }
    }
}
