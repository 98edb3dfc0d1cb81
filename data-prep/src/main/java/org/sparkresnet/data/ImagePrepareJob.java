package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.PrepareResult.SplitResult;
import org.sparkresnet.data.fs.SerializableConfiguration;
import org.sparkresnet.data.image.ImageDatasetSpec;
import org.sparkresnet.data.image.ImageFile;
import org.sparkresnet.data.image.ImagePreprocessing;
import org.sparkresnet.data.image.ImageShardTask;
import org.sparkresnet.data.image.ImageSplitListing;
import org.sparkresnet.data.image.ImageTree;
import org.sparkresnet.data.image.ImageTreeLister;
import org.sparkresnet.data.spark.PrepareProgress;
import org.sparkresnet.data.spark.RunningTasks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The prepare job for image datasets: lists the input tree on the driver (names only), decodes and writes one shard
 * per Spark task on the executors into a staging folder ({@link SplitStaging}), and commits each split (a rename,
 * then its manifest) only after every split's shards are written. Any failure removes what this run wrote, so an
 * output split either is complete or does not exist.
 */
final class ImagePrepareJob {
    /**
     * Files are shuffled once, with this fixed seed, before being cut into shards: the input lists them class by class,
     * and a shard (which training reads as a unit) must hold a mix of classes. Recorded in the manifest.
     */
    static final long FILE_ORDER_SEED = 20120101L;
    private static final double PROGRESS_INTERVAL_SECONDS = 10;

    private ImagePrepareJob() {
    }

    /** What one split's shard stage produced (in the staging folder), before it is committed. */
    private record WrittenSplit(ImageSplitListing listing, List<ImageShardTask.Written> shards, double seconds) {
    }

    static PrepareResult run(JavaSparkContext sc, PrepareRequest request, Consumer<String> progress) {
        return run(sc, request, ImageTreeLister.list(request.inputDirUri(), request.imageSpec(), sc.hadoopConfiguration()), progress);
    }

    /** Prepares the files {@code tree} lists (all of the input's, or a subset with the full tree's classes). */
    static PrepareResult run(JavaSparkContext sc, PrepareRequest request, ImageTree tree, Consumer<String> progress) {
        long started = System.nanoTime();
        ImageDatasetSpec spec = request.imageSpec();
        ImagePreprocessing preprocessing = request.imagePreprocessing();
        Configuration conf = sc.hadoopConfiguration();
        for (ImageSplitListing listing : tree.splits()) {
            progress.accept(String.format("%s: %,d image files in %d classes from %s%s", listing.split(), listing.files().size(),
                    tree.classIds().size(), listing.sourceUri(),
                    listing.ignoredFiles() > 0 ? String.format(", ignoring %,d without an image extension", listing.ignoredFiles()) : ""));
            if (!request.skipBad() && !listing.problems().isEmpty()) {
                throw badInput(listing.problems());
            }
        }
        Path output = new Path(request.outputUri());
        List<String> splitNames = tree.splits().stream().map(ImageSplitListing::split).toList();
        PrepareJob.checkOutput(output, splitNames, request.overwrite(), conf);

        SplitStaging staging = SplitStaging.create(output, conf, request.overwrite());
        try {
            List<WrittenSplit> written = new ArrayList<>();
            for (ImageSplitListing listing : tree.splits()) {
                written.add(writeShards(sc, listing, staging.splitDir(listing.split()), request, preprocessing, tree.classIds().size(), progress));
            }
            List<SplitResult> results = new ArrayList<>();
            Map<String, String> versions = Versions.of(sc, true);
            progress.accept(SplitStaging.committing(written.size(), output));
            for (WrittenSplit split : written) { // every split's shards are written: only now commit them
                Path splitDir = staging.commit(split.listing().split());
                results.add(commit(split, splitDir, tree, spec, preprocessing, request, versions, conf));
            }
            staging.finish(); // only now is a replaced dataset deleted
            return new PrepareResult(spec.name(), output.toString(), results, secondsSince(started));
        } catch (Exception e) { // Spark rethrows executor failures as the checked SparkException
            RunningTasks.awaitNone(sc, Duration.ofMinutes(2)); // so that the staging folder goes whole; stragglers write only there
            staging.rollBack().forEach(line -> e.addSuppressed(new IllegalStateException(line)));
            DataPrepException dataError = DataPrepException.findIn(e);
            if (dataError != null) {
                throw dataError == e ? dataError : new DataPrepException(dataError.getMessage(), e);
            }
            throw e instanceof RuntimeException runtime ? runtime : new IllegalStateException("prepare failed: " + e.getMessage(), e);
        }
    }

    private static WrittenSplit writeShards(JavaSparkContext sc, ImageSplitListing listing, Path splitDir, PrepareRequest request,
                                            ImagePreprocessing preprocessing, int numClasses, Consumer<String> progress) {
        long started = System.nanoTime();
        List<ImageFile> files = shuffled(classesInTurn(listing.files(), request.examplesToTake(listing.files().size())));
        List<ImageShardTask> tasks = new ArrayList<>();
        for (int first = 0; first < files.size(); first += request.shardSize()) {
            List<ImageFile> shardFiles = files.subList(first, Math.min(files.size(), first + request.shardSize()));
            tasks.add(new ImageShardTask(tasks.size(), splitDir.toString(), shardFiles, preprocessing, numClasses, request.skipBad()));
        }
        if (tasks.isEmpty()) {
            return new WrittenSplit(listing, List.of(), secondsSince(started));
        }
        int[] filesPerTask = tasks.stream().mapToInt(t -> t.files().size()).toArray();
        String group = "prepare-" + listing.split() + "-" + UUID.randomUUID();
        PrepareProgress listener = new PrepareProgress(listing.split(), group, filesPerTask, progress, PROGRESS_INTERVAL_SECONDS);
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        sc.setJobGroup(group, "prepare " + listing.split() + ": decode " + files.size() + " images into " + tasks.size() + " shards", false);
        sc.sc().addSparkListener(listener);
        try {
            List<ImageShardTask.Written> shards = new ArrayList<>(sc.parallelize(tasks, tasks.size()).map(task -> task.write(conf.get())).collect());
            shards.sort(Comparator.comparingInt(ImageShardTask.Written::shardIndex));
            progress.accept(listener.finish());
            return new WrittenSplit(listing, shards, secondsSince(started));
        } finally {
            sc.sc().removeSparkListener(listener);
            sc.clearJobGroup();
        }
    }

    /** Writes the manifest of a split whose shards are in {@code splitDir}: last, so that the split counts as prepared. */
    private static SplitResult commit(WrittenSplit split, Path splitDir, ImageTree tree, ImageDatasetSpec spec, ImagePreprocessing preprocessing,
                                      PrepareRequest request, Map<String, String> versions, Configuration conf) {
        long[] counts = new long[tree.classIds().size()];
        List<String> shardNames = new ArrayList<>();
        List<Integer> shardCounts = new ArrayList<>();
        List<SkippedFile> skipped = new ArrayList<>(split.listing().problems());
        long bytes = 0;
        for (ImageShardTask.Written shard : split.shards()) {
            long[] shardClassCounts = shard.countsPerClass();
            for (int c = 0; c < counts.length; c++) {
                counts[c] += shardClassCounts[c];
            }
            if (shard.fileName() != null) {
                shardNames.add(shard.fileName());
                shardCounts.add(shard.examples());
            }
            skipped.addAll(shard.skipped());
            bytes += shard.bytes();
        }
        skipped.sort(Comparator.comparing(SkippedFile::file));
        String name = split.listing().split();
        SplitManifest manifest = SplitManifest.of(spec.name(), name, split.listing().sourceUri(), counts, tree.labelNames(), tree.classIds(),
                preprocessing.shape(), bytes, request.shardSize(), shardNames, shardCounts, spec.mean(), spec.std(),
                Preprocessing.of(preprocessing, FILE_ORDER_SEED), skipped, versions);
        try {
            manifest.write(splitDir, conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write manifest in " + splitDir + ": " + e.getMessage(), e);
        }
        return new SplitResult(name, splitDir.toString(), manifest.numExamples(), counts, shardNames.size(), bytes, split.seconds());
    }

    /**
     * The first {@code limit} files taking one of each class in turn (by name within a class), so that a limited run
     * still holds every class; all files if the limit covers them.
     */
    static List<ImageFile> classesInTurn(List<ImageFile> files, int limit) {
        if (limit >= files.size()) {
            return files;
        }
        List<List<ImageFile>> byClass = new ArrayList<>();
        for (ImageFile file : files) {
            while (byClass.size() <= file.label()) {
                byClass.add(new ArrayList<>());
            }
            byClass.get(file.label()).add(file);
        }
        List<ImageFile> taken = new ArrayList<>(limit);
        for (int round = 0; taken.size() < limit; round++) {
            for (List<ImageFile> classFiles : byClass) {
                if (round < classFiles.size() && taken.size() < limit) {
                    taken.add(classFiles.get(round));
                }
            }
        }
        return taken;
    }

    private static List<ImageFile> shuffled(List<ImageFile> files) {
        List<ImageFile> copy = new ArrayList<>(files);
        Collections.shuffle(copy, new Random(FILE_ORDER_SEED));
        return copy;
    }

    private static DataPrepException badInput(List<SkippedFile> problems) {
        String more = problems.size() > 1 ? " (and " + (problems.size() - 1) + " more bad inputs: " + problems.subList(1, Math.min(problems.size(), 4))
                + (problems.size() > 4 ? ", ..." : "") + ")" : "";
        return new DataPrepException(problems.get(0) + more + "; nothing was written (pass --skip-bad to leave such inputs out)");
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
