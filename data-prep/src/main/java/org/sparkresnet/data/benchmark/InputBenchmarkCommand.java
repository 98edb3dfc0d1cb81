package org.sparkresnet.data.benchmark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.dataset.DataSet;
import org.sparkresnet.data.image.ImageDatasetSpec;
import org.sparkresnet.data.shard.Augmentation;
import org.sparkresnet.data.shard.Normalization;
import org.sparkresnet.data.shard.ShardFormat;
import org.sparkresnet.data.stream.EpochPlan;
import org.sparkresnet.data.stream.MinibatchReader;
import org.sparkresnet.data.stream.MinibatchRef;
import org.sparkresnet.model.InputShape;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * The training input path alone, on one thread: uint8 shards on local disk read by reference (as the train job's
 * executors read them), then random-resized crop, flip and normalisation into float minibatches. Prints images/s
 * on one core for each stage added, and how many such cores one GPU training ResNet-50 at --gpu-rate would need.
 */
@Command(name = "benchmark-input", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measures the training input path on one thread: reading uint8 3x224x224 shards by reference,",
                "then decoding with normalisation only, then with random-resized crop + flip + normalisation.",
                "Prints images/s per core (and per CPU-second of the thread) beside the bytes read per second.", ""})
public final class InputBenchmarkCommand implements Callable<Integer> {
    @Option(names = "--images", defaultValue = "2048", description = "images in the generated shards; default: ${DEFAULT-VALUE}")
    int images;
    @Option(names = "--shard-size", defaultValue = "256", description = "images per shard; default: ${DEFAULT-VALUE}")
    int shardSize;
    @Option(names = "--image-size", defaultValue = "224", description = "stored side length; default: ${DEFAULT-VALUE}")
    int imageSize;
    @Option(names = "--batch", defaultValue = "64", description = "minibatch size; default: ${DEFAULT-VALUE}")
    int batch;
    @Option(names = "--passes", defaultValue = "3", description = "timed passes over the images per stage (after one warm-up); default: ${DEFAULT-VALUE}")
    int passes;
    @Option(names = "--gpu-rate", defaultValue = "1000", description = "images/s one GPU trains ResNet-50 at, for the projection; default: ${DEFAULT-VALUE}")
    double gpuRate;
    @Option(names = "--work", defaultValue = "runs/benchmark-input", paramLabel = "DIR", description = "where the shards go (replaced); default: ${DEFAULT-VALUE}")
    java.nio.file.Path work;

    @Override
    public Integer call() throws Exception {
        InputShape shape = new InputShape(3, imageSize, imageSize);
        java.nio.file.Path dir = work.toAbsolutePath();
        Files.createDirectories(dir);
        Configuration conf = new Configuration();
        List<String> files = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        long bytes = writeShards(shape, dir, conf, files, counts);
        System.out.printf("benchmark-input: %,d images of %s in %d shards (%,d MB) on local disk, minibatches of %d, one thread%n",
                images, shape, files.size(), bytes >> 20, batch);
        Normalization normalization = new Normalization(ImageDatasetSpec.IMAGENET.mean(), ImageDatasetSpec.IMAGENET.std(), 1000);
        Stage[] stages = {
                new Stage("read only (positioned reads of the runs)", null, true),
                new Stage("read + normalise", null, false),
                new Stage("read + random-resized crop + flip + normalise", Augmentation.RANDOM_RESIZED_CROP_AND_FLIP, false)};
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        System.out.printf("%-48s %12s %14s %10s%n", "stage", "images/s", "per CPU-second", "MB/s read");
        double last = Double.NaN;
        for (Stage stage : stages) {
            run(stage, files, counts, conf, normalization, 0, 1); // warm-up: JIT, page cache
            long cpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            long done = run(stage, files, counts, conf, normalization, 1, passes);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpu) / 1e9;
            last = done / seconds;
            System.out.printf("%-48s %12.0f %14.0f %10.0f%n", stage.name, last, done / cpuSeconds,
                    done * (double) shape.channels() * imageSize * imageSize / seconds / 1e6);
        }
        System.out.printf("%nfull path: %.0f images/s per core; one GPU training ResNet-50 at %.0f images/s needs %.1f such cores"
                + " reading and augmenting beside it (and %.0f MB/s from storage at %d bytes per image)%n", last, gpuRate, gpuRate / last,
                gpuRate * (double) bytes / images / 1e6, bytes / images);
        return 0;
    }

    private record Stage(String name, Augmentation augmentation, boolean readOnly) {
    }

    /** Reads every image {@code passes} times (a new plan each pass); returns the images read. */
    private long run(Stage stage, List<String> files, List<Integer> counts, Configuration conf, Normalization normalization,
                     int firstPass, int passes) {
        long done = 0;
        long checksum = 0;
        for (int pass = firstPass; pass < firstPass + passes; pass++) {
            EpochPlan plan = EpochPlan.of(counts, files, batch, Math.max(1, batch / EpochPlan.READS_PER_MINIBATCH), pass);
            try (MinibatchReader reader = new MinibatchReader(files, conf, normalization, stage.augmentation, "benchmark")) {
                for (MinibatchRef ref : plan.minibatches()) {
                    if (stage.readOnly) {
                        checksum += reader.readPixels(ref).length;
                    } else {
                        DataSet batchData = reader.read(ref);
                        checksum += batchData.numExamples();
                    }
                    done += ref.examples();
                }
            }
        }
        if (checksum == 0) {
            throw new IllegalStateException("nothing was read");
        }
        return done;
    }

    /** Shards of photo-like content (smooth gradients plus noise), as the prepare job writes them. */
    private long writeShards(InputShape shape, java.nio.file.Path dir, Configuration conf, List<String> files, List<Integer> counts)
            throws Exception {
        Random random = new Random(1);
        int exampleBytes = shape.channels() * shape.height() * shape.width();
        long bytes = 0;
        for (int shard = 0, from = 0; from < images; shard++, from += shardSize) {
            int n = Math.min(shardSize, images - from);
            byte[] pixels = new byte[n * exampleBytes];
            int[] classes = new int[n];
            for (int i = 0; i < n; i++) {
                classes[i] = random.nextInt(1000);
                int base = random.nextInt(128);
                for (int p = 0; p < exampleBytes; p++) {
                    pixels[i * exampleBytes + p] = (byte) (base + (p % shape.width()) / 4 + random.nextInt(16));
                }
            }
            Path file = new Path(dir.resolve(ShardFormat.fileName(shard)).toUri());
            bytes += ShardFormat.write(pixels, classes, shape, FileSystem.get(file.toUri(), conf), file);
            files.add(file.toString());
            counts.add(n);
        }
        return bytes;
    }
}
