package org.sparkresnet.jobs.infer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.record.ModelRecord;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The images/s of predict and features, as the README reports them: a random-weight resnet50 at 3x224x224 (shorter
 * side 256, centre crop 224) over every JPEG and PNG of opencv-doc's examples, replicated, on local[2]. Not part of the
 * suite (the name does not end in Test); run it with
 * {@code mvn -pl jobs surefire:test -Dtest=InferenceThroughputMeasurement [-Dcopies=3 -Dbatch=16 -Dmodel=resnet50]}.
 */
class InferenceThroughputMeasurement {
    @TempDir
    java.nio.file.Path work;

    @Test
    void measure() throws Exception {
        assumeTrue(Files.isDirectory(InferenceFixtures.OPENCV_DATA), "needs opencv-doc");
        int copies = Integer.getInteger("copies", 3);
        String batch = System.getProperty("batch", "16");
        String name = System.getProperty("model", "resnet50");
        java.nio.file.Path photos = Files.createDirectories(work.resolve("photos"));
        List<java.nio.file.Path> sources = new ArrayList<>();
        try (var files = Files.list(InferenceFixtures.OPENCV_DATA)) {
            files.filter(f -> f.toString().endsWith(".jpg") || f.toString().endsWith(".png")).sorted().forEach(sources::add);
        }
        for (int c = 0; c < copies; c++) {
            java.nio.file.Path copy = Files.createDirectories(photos.resolve("copy" + c));
            for (java.nio.file.Path source : sources) {
                Files.copy(source, copy.resolve(source.getFileName()));
            }
        }
        Nd4j.getRandom().setSeed(1);
        InputShape shape = new InputShape(3, 224, 224);
        List<String> labels = IntStream.range(0, 1000).mapToObj(i -> "class" + i).toList();
        ComputationGraph net = ResNets.build(ModelRequest.of(name, shape, labels.size()));
        ModelRecord record = new ModelRecord(name, shape, labels, null, new float[] {0.485f, 0.456f, 0.406f},
                new float[] {0.229f, 0.224f, 0.225f}, 256, 224, "imagenet", "random weights");
        String model = new Path(work.resolve("model.zip").toUri()).toString();
        ModelStore.save(net, new Path(model), new Configuration(), false, record);
        System.out.println("measuring " + name + " on " + copies * sources.size() + " images, batch " + batch + ", OMP_NUM_THREADS="
                + System.getenv("OMP_NUM_THREADS"));
        for (String job : new String[] {"predict", "features"}) {
            PredictJobTest.Run run = PredictJobTest.run(job, "--model", model, "--input", photos.toString(), "--output",
                    work.resolve(job).toString(), "--master", "local[2]", "--batch-size", batch);
            assertEquals(0, run.exit(), run.err());
        }
    }
}
