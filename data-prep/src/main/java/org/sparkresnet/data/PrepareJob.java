package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.IdxShardTask.WrittenShard;
import org.sparkresnet.data.PrepareResult.SplitResult;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.fs.OutputLock;
import org.sparkresnet.data.fs.SerializableConfiguration;
import org.sparkresnet.data.idx.IdxSplit;
import org.sparkresnet.data.idx.IdxSplitSource;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * The prepare job: reads a dataset's IDX files (or, through {@link ImagePrepareJob}, an image folder tree) and writes
 * each split as shard files plus a manifest.json, written last.
 *
 * <p>The driver reads only headers and labels (60 KB for 60,000 examples) and checks the images files' lengths; each
 * executor task reads one stretch of consecutive shards from the IDX file through Hadoop FS, in one pass, and writes
 * them. So the driver never holds the images and nothing large is broadcast. A gzip file cannot be seeked, so a task
 * decompresses from the start up to its stretch: with one task per core that is at most one pass per core.
 *
 * <p>Every input is checked before the output is touched, so a bad input never costs an existing prepared dataset;
 * --overwrite deletes the old split directories whole before writing, so two runs never mix. Shards are written into
 * a staging folder and moved into the split's folder when all are written ({@link SplitStaging}).
 */
public final class PrepareJob {
    private PrepareJob() {
    }

    public static PrepareResult run(JavaSparkContext sc, PrepareRequest request) {
        return run(sc, request, line -> { });
    }

    /**
     * Prepares the request's dataset: IDX datasets as described above, image datasets by {@link ImagePrepareJob}.
     *
     * @param progress receives progress lines (files done, images/s, ETA) while images are decoded
     */
    public static PrepareResult run(JavaSparkContext sc, PrepareRequest unqualified, Consumer<String> progress) {
        PrepareRequest request = unqualified.qualified(sc.hadoopConfiguration());
        try (OutputLock.Held lock = OutputLock.acquire(new Path(request.outputUri()), sc.hadoopConfiguration(), progress)) {
            return request.isImageDataset() ? ImagePrepareJob.run(sc, request, progress) : runIdx(sc, request, progress);
        }
    }

    private static PrepareResult runIdx(JavaSparkContext sc, PrepareRequest request, Consumer<String> progress) {
        long started = System.nanoTime();
        DatasetSpec spec = request.spec();
        Configuration conf = sc.hadoopConfiguration();
        List<IdxSplitSource> sources = checkInputs(request, conf);
        Path output = new Path(request.outputUri());
        checkOutput(output, spec.idxSplits().stream().map(IdxSplit::split).toList(), request.overwrite(), conf);
        List<SplitResult> results = new ArrayList<>();
        SplitStaging staging = SplitStaging.create(output, conf, request.overwrite());
        try {
            List<StagedSplit> staged = new ArrayList<>();
            for (IdxSplitSource source : sources) {
                staged.add(writeSplit(sc, source, staging, request));
            }
            progress.accept(SplitStaging.committing(staged.size(), output));
            for (StagedSplit split : staged) { // every split's shards are written: only now commit them
                results.add(split.commit(staging, conf));
            }
            staging.finish(); // only now is a replaced dataset deleted
        } catch (Exception e) { // Spark rethrows executor failures as the checked SparkException
            staging.rollBack().forEach(line -> e.addSuppressed(new IllegalStateException(line)));
            throw e;
        }
        return new PrepareResult(spec.name(), output.toString(), results, secondsSince(started));
    }

    /**
     * Prepares exactly the image files {@code tree} lists, with its classes: a listing of the request's input by
     * {@link org.sparkresnet.data.image.ImageTreeLister}, possibly cut down to the files not prepared before (a folder
     * dataset that grows), whose classes stay those of the whole input so that labels mean the same in every batch.
     * Splits are written and committed as by {@link #run}.
     */
    public static PrepareResult runImages(JavaSparkContext sc, PrepareRequest unqualified, org.sparkresnet.data.image.ImageTree tree,
                                          Consumer<String> progress) {
        PrepareRequest request = unqualified.qualified(sc.hadoopConfiguration());
        if (!request.isImageDataset()) {
            throw new IllegalArgumentException("runImages prepares image datasets, not " + request.dataset());
        }
        try (OutputLock.Held lock = OutputLock.acquire(new Path(request.outputUri()), sc.hadoopConfiguration(), progress)) {
            return ImagePrepareJob.run(sc, request, tree, progress);
        }
    }

    /** Finds and checks every split's IDX files (headers, lengths, labels); throws {@link DataPrepException} naming what is wrong. */
    public static List<IdxSplitSource> checkInputs(PrepareRequest request, Configuration conf) {
        DatasetSpec spec = request.spec();
        Path input = new Path(request.inputDirUri());
        List<IdxSplitSource> sources = new ArrayList<>();
        for (IdxSplit split : spec.idxSplits()) {
            sources.add(IdxSplitSource.open(input, split, spec, conf));
        }
        return sources;
    }

    /**
     * Refuses an output that already holds any of the splits unless {@code overwrite}. Nothing is deleted here: with
     * {@code overwrite} the old splits are replaced only when the new ones are complete ({@link SplitStaging}).
     */
    static void checkOutput(Path output, List<String> splits, boolean overwrite, Configuration conf) {
        FileSystem fs = HadoopFiles.fileSystem(output, conf);
        try {
            FileStatus status = fs.getFileStatus(output);
            if (!status.isDirectory()) {
                throw new DataPrepException("output " + output + " exists and is not a directory");
            }
        } catch (FileNotFoundException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output " + output + ": " + e.getMessage(), e);
        }
        try {
            for (String split : splits) {
                Path splitDir = new Path(output, split);
                if (!fs.exists(splitDir)) {
                    continue;
                }
                if (!overwrite) {
                    throw new DataPrepException("output " + splitDir + " already exists: choose another output or pass --overwrite to replace it");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear output " + output + ": " + e.getMessage(), e);
        }
    }

    /** A split whose shards are written into the staging folder, with the manifest to write once it is moved into place. */
    private record StagedSplit(String split, SplitManifest manifest, int numExamples, int shards, long bytes, long started) {
        SplitResult commit(SplitStaging staging, Configuration conf) {
            Path splitDir = staging.commit(split);
            try {
                manifest.write(splitDir, conf); // last: only now does the split count as prepared
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write manifest in " + splitDir + ": " + e.getMessage(), e);
            }
            return new SplitResult(split, splitDir.toString(), numExamples, manifest.countsPerClass(), shards, bytes, secondsSince(started));
        }
    }

    /** Writes the split's shards into the staging folder; {@link StagedSplit#commit} moves them to the output. */
    private static StagedSplit writeSplit(JavaSparkContext sc, IdxSplitSource source, SplitStaging staging, PrepareRequest request) {
        long started = System.nanoTime();
        DatasetSpec spec = request.spec();
        Configuration conf = sc.hadoopConfiguration();
        Path stagingDir = staging.splitDir(source.split().split());
        int numExamples = request.examplesToTake(source.numExamples());
        List<IdxShardTask> tasks = new ArrayList<>();
        for (int first = 0; first < numExamples; first += request.shardSize()) {
            int count = Math.min(request.shardSize(), numExamples - first);
            tasks.add(new IdxShardTask(tasks.size(), stagingDir.toString(), source.images(), first, source.labels(first, count)));
        }
        List<WrittenShard> written = tasks.isEmpty() ? List.of() : writeShards(sc, tasks, source.split().split());
        long bytes = written.stream().mapToLong(WrittenShard::bytes).sum();
        SplitManifest manifest = SplitManifest.of(spec.name(), source.split().split(), source.images().uri(),
                source.countsPerClass(numExamples, spec.numClasses()), spec.labelNames(), spec.labelNames(), spec.shape(), bytes,
                request.shardSize(), written.stream().map(WrittenShard::fileName).toList(),
                written.stream().map(WrittenShard::examples).toList(), spec.mean(), spec.std(), Preprocessing.IDX_AS_STORED,
                List.of(), Versions.of(sc, false));
        return new StagedSplit(source.split().split(), manifest, numExamples, written.size(), bytes, started);
    }

    /**
     * Consecutive shards grouped into one Spark task per core (each reads its stretch of the IDX file in one pass);
     * only the small per-shard results come back to the driver.
     */
    private static List<WrittenShard> writeShards(JavaSparkContext sc, List<IdxShardTask> tasks, String split) {
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        List<List<IdxShardTask>> runs = consecutiveRuns(tasks, sc.defaultParallelism());
        sc.setJobDescription("prepare " + split + ": write " + tasks.size() + " shards in " + runs.size() + " tasks");
        try {
            List<WrittenShard> written = new ArrayList<>(sc.parallelize(runs, runs.size())
                    .flatMap(run -> IdxShardTask.writeConsecutive(run, conf.get()).iterator()).collect());
            written.sort(Comparator.comparingInt(WrittenShard::shardIndex));
            return written;
        } finally {
            sc.setJobDescription(null);
        }
    }

    /** Splits the shard list, in order, into at most {@code groups} stretches of nearly equal length. */
    static <T> List<List<T>> consecutiveRuns(List<T> items, int groups) {
        int n = Math.max(1, Math.min(groups, items.size()));
        List<List<T>> runs = new ArrayList<>();
        for (int g = 0; g < n; g++) {
            runs.add(new ArrayList<>(items.subList(items.size() * g / n, items.size() * (g + 1) / n)));
        }
        return runs;
    }

    private static double secondsSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
