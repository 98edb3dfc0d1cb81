package org.sparkresnet.data.benchmark;

import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.PrepareResult;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.image.BadImageException;
import org.sparkresnet.data.image.ImageDecoder;
import org.sparkresnet.data.image.ImagePreprocessing;
import org.sparkresnet.data.spark.SparkContexts;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Measures the prepare job's throughput and prints it (a measurement, not a test): IDX (real Fashion-MNIST when
 * installed) and a JPEG tree of photo-like 500x375 images it generates itself, plus single-thread decode+resize+crop
 * speed (the per-core figure) and what the prepared examples cost on disk.
 */
@Command(name = "benchmark-prepare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prints prepare throughput (images/s, MB/s, per core) for IDX and JPEG inputs and bytes per stored example.", ""})
public final class BenchmarkPrepareCommand implements Callable<Integer> {
    @Option(names = "--idx-dir", defaultValue = "/usr/share/datasets/fashion-mnist", paramLabel = "DIR",
            description = "Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}); skipped if absent")
    private Path idxDir;

    @Option(names = "--images", defaultValue = "1200", paramLabel = "N", description = "JPEGs to generate and prepare (default: ${DEFAULT-VALUE})")
    private int images;

    @Option(names = "--classes", defaultValue = "10", paramLabel = "N", description = "class folders for them (default: ${DEFAULT-VALUE})")
    private int classes;

    @Option(names = "--width", defaultValue = "500", paramLabel = "PIXELS", description = "generated width (default: ${DEFAULT-VALUE}, ImageNet-typical)")
    private int width;

    @Option(names = "--height", defaultValue = "375", paramLabel = "PIXELS", description = "generated height (default: ${DEFAULT-VALUE})")
    private int height;

    @Option(names = "--image-size", defaultValue = "224", paramLabel = "PIXELS", description = "stored crop (default: ${DEFAULT-VALUE})")
    private int imageSize;

    @Option(names = "--resize", defaultValue = "256", paramLabel = "PIXELS", description = "shorter side before the crop (default: ${DEFAULT-VALUE})")
    private int resize;

    @Option(names = "--project-to", paramLabel = "EXAMPLES",
            description = "also print what this many examples would cost on disk at the measured bytes per example")
    private Long projectTo;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "scratch folder (default: a temporary folder, deleted after)")
    private Path workDir;

    @Option(names = "--master", defaultValue = "local[*]", paramLabel = "URL", description = "Spark master (default: ${DEFAULT-VALUE})")
    private String master;

    private final PrintStream out = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchmarkPrepareCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("benchmark-prepare");
        try (JavaSparkContext sc = SparkContexts.create("benchmark-prepare", master)) {
            int cores = sc.defaultParallelism();
            out.printf("benchmark-prepare: Spark %s, %d cores (%s)%n", sc.version(), cores, sc.master());
            if (Files.isDirectory(idxDir)) {
                benchmarkIdx(sc, work, cores);
            } else {
                out.printf("IDX: skipped, %s is not installed (Debian package dataset-fashion-mnist)%n", idxDir);
            }
            benchmarkJpeg(sc, work, cores);
        } finally {
            if (workDir == null) {
                deleteTree(work);
            }
        }
        return 0;
    }

    private void benchmarkIdx(JavaSparkContext sc, Path work, int cores) {
        String input = idxDir.toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("fashion-mnist", input, work.resolve("idx-warmup").toUri().toString(), 2048, true, 4096));
        PrepareResult result = PrepareJob.run(sc, new PrepareRequest("fashion-mnist", input, work.resolve("idx").toUri().toString(), 2048, true, 0));
        report("IDX fashion-mnist (gzip IDX -> uint8 shards)", result, cores, -1);
    }

    private void benchmarkJpeg(JavaSparkContext sc, Path work, int cores) throws IOException {
        Path tree = work.resolve("jpeg-tree");
        long jpegBytes = generate(tree.resolve("train"), images);
        generate(tree.resolve("val"), Math.max(classes, images / 10));
        out.printf("JPEG tree: %,d photo-like %dx%d JPEGs in %d classes, %.1f KB each on average%n",
                images, width, height, classes, jpegBytes / 1024.0 / images);

        ImagePreprocessing preprocessing = new ImagePreprocessing(imageSize, resize);
        double decodeBefore = singleThreadRate(tree.resolve("train"), preprocessing);
        out.printf("single thread decode+resize+crop (%s): %,.0f images/s per core%n", preprocessing.describe(), decodeBefore);

        String input = tree.toUri().toString();
        PrepareJob.run(sc, new PrepareRequest("folder", input, work.resolve("jpeg-warmup").toUri().toString(), 64, true,
                Math.min(images, 128), imageSize, resize, false));
        CpuUse cpu = CpuUse.start();
        // small shards: a benchmark-sized tree still makes several tasks per core, so no core idles at the end
        PrepareResult result = PrepareJob.run(sc, new PrepareRequest("folder", input, work.resolve("jpeg").toUri().toString(),
                PrepareRequest.DEFAULT_IMAGE_SHARD_SIZE / 4, true, 0, imageSize, resize, false), out::println);
        CpuUse.Share share = cpu.stop();
        report("JPEG folder tree (decode+resize+crop -> uint8 shards)", result, cores, jpegBytes);

        // the single-thread rate again, after the job: on a shared machine it drifts with the others' load
        double decodeAfter = singleThreadRate(tree.resolve("train"), preprocessing);
        double jobPerCore = result.split("train").imagesPerSecond() / cores;
        long allImages = result.splits().stream().mapToLong(PrepareResult.SplitResult::numExamples).sum();
        out.printf("  per core: job %,.0f images/s vs single-thread decode %,.0f before / %,.0f after the job = %.0f%% of it;"
                        + " %,.0f images per CPU-second of this process (all its threads: Spark, I/O, GC)%n",
                jobPerCore, decodeBefore, decodeAfter, 100 * jobPerCore / ((decodeBefore + decodeAfter) / 2), allImages / share.ownSeconds());
        out.printf("  cores busy during the job (%.1f s, both splits): this process %.2f (JIT compiling %.2f of them), other processes %.2f, of %d%n",
                share.seconds(), share.ownCores(), share.jitSeconds() / share.seconds(), share.otherCores(), Runtime.getRuntime().availableProcessors());
    }

    private void report(String title, PrepareResult result, int cores, long trainInputBytes) {
        PrepareResult.SplitResult train = result.split("train");
        SplitManifest manifest = SplitManifest.read(train.splitDirUri(), new org.apache.hadoop.conf.Configuration());
        double seconds = train.seconds();
        out.printf("%s, train split: %,d images in %.2f s = %,.0f images/s (%,.0f per core), written %.1f MB/s%s%n", title,
                train.numExamples(), seconds, train.imagesPerSecond(), train.imagesPerSecond() / cores, train.bytes() / 1e6 / seconds,
                trainInputBytes > 0 ? String.format(", read %.1f MB/s of JPEG", trainInputBytes / 1e6 / seconds) : "");
        out.printf("  stored: %s %s, %,d bytes per example (manifest bytesPerExample)%n", manifest.storage(), manifest.shape(),
                manifest.bytesPerExample());
        if (projectTo != null) {
            out.printf("  %,d such examples would take %,d bytes = %.1f GB (%.1f GiB)%n", projectTo, manifest.bytesFor(projectTo),
                    manifest.bytesFor(projectTo) / 1e9, manifest.bytesFor(projectTo) / (double) (1L << 30));
        }
    }

    /** Writes {@code count} JPEGs into {@code classes} class folders, in parallel; returns their total size. */
    private long generate(Path dir, int count) {
        return IntStream.range(0, count).parallel().mapToLong(i -> {
            try {
                byte[] jpeg = SyntheticPhotos.jpeg(width, height, 7919L * i + dir.hashCode(), 0.95f);
                Path file = dir.resolve(String.format("class%03d/img%06d.JPEG", i % classes, i));
                Files.createDirectories(file.getParent());
                Files.write(file, jpeg);
                return jpeg.length;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).sum();
    }

    /**
     * Decodes files already in memory on this one thread, after a warm-up: the per-core decode rate without I/O or
     * Spark, in images per second of wall time (what one core gives while no other process competes for it).
     */
    private static double singleThreadRate(Path dir, ImagePreprocessing preprocessing) throws IOException {
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.filter(Files::isRegularFile).limit(300).toList()) {
                files.add(Files.readAllBytes(path));
            }
        }
        ImageDecoder decoder = new ImageDecoder(preprocessing);
        byte[] pixels = new byte[preprocessing.bytesPerImage()];
        try {
            for (int i = 0; i < Math.min(50, files.size()); i++) {
                decoder.decodeInto(files.get(i), pixels, 0);
            }
            long start = System.nanoTime();
            for (byte[] file : files) {
                decoder.decodeInto(file, pixels, 0);
            }
            return files.size() / ((System.nanoTime() - start) / 1e9);
        } catch (BadImageException e) {
            throw new IllegalStateException("a generated JPEG did not decode: " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
