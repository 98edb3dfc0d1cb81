package org.sparkresnet.jobs.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * metrics.json, report.html and the TensorBoard event files of a training run. metrics.json and report.html are
 * rewritten atomically after every epoch and, while an epoch trains, with its new iteration points at most once per
 * rewrite interval (a minute by default: on S3 each rewrite is a new object), so that a person (or a crashed run's
 * post-mortem) always finds whole, current files. metrics.json holds {@code run}, {@code epochs} (one entry per
 * epoch) and {@code iterations} (the per-iteration points, see {@link IterationMetrics}); the TensorBoard folder gets
 * one event file per finished epoch ({@link TensorBoardLog}).
 */
public final class MetricsLog {
    public static final String FILE_NAME = "metrics.json";
    public static final Duration DEFAULT_REWRITE_INTERVAL = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(MetricsLog.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final Configuration conf;
    private final Map<String, Object> run;
    private final List<EpochMetrics> epochs = new ArrayList<>();
    private final List<IterationMetrics> iterations = new ArrayList<>();
    private final TensorBoardLog tensorBoard;
    private final long rewriteIntervalNanos;
    private boolean started;
    private long lastWriteNanos;

    public MetricsLog(Path outputDir, Configuration conf, Map<String, Object> run) {
        this(outputDir, conf, run, DEFAULT_REWRITE_INTERVAL);
    }

    /** @param rewriteInterval how often new iteration points are written out while an epoch trains (zero: at each point) */
    public MetricsLog(Path outputDir, Configuration conf, Map<String, Object> run, Duration rewriteInterval) {
        this.file = new Path(outputDir, FILE_NAME);
        this.conf = conf;
        this.run = new LinkedHashMap<>(run);
        this.tensorBoard = new TensorBoardLog(outputDir, conf);
        this.rewriteIntervalNanos = rewriteInterval.toNanos();
        this.lastWriteNanos = System.nanoTime();
    }

    /**
     * Starts the log: a new run ({@code epochsDone} empty) or a run resumed after the given epochs (as its checkpoint
     * recorded them). The iteration points of those epochs are taken from the metrics.json the earlier run left in
     * the output (none if it has none or cannot be read: the epochs stay), and the TensorBoard folder is written again
     * from them, so that points of epochs trained after the checkpoint, and trained again now, appear once.
     */
    public synchronized void resume(List<EpochMetrics> epochsDone) {
        if (started) {
            throw new IllegalStateException("the metrics log of " + file.getParent() + " has already started");
        }
        started = true;
        epochs.addAll(epochsDone);
        int lastEpoch = epochsDone.isEmpty() ? 0 : epochsDone.get(epochsDone.size() - 1).epoch();
        if (lastEpoch > 0) {
            for (IterationMetrics p : earlierIterations()) {
                if (p.epoch() <= lastEpoch) {
                    iterations.add(p);
                }
            }
        }
        tensorBoard.clear();
        for (EpochMetrics e : epochs) {
            tensorBoard.writeEpoch(e, iterationsOf(e.epoch()));
        }
        if (!epochs.isEmpty()) {
            write();
        }
    }

    /** A point of the epoch in progress; written out when the rewrite interval has passed since the last write. */
    public synchronized void addIteration(IterationMetrics point) {
        startIfNeeded();
        iterations.add(point);
        if (System.nanoTime() - lastWriteNanos >= rewriteIntervalNanos) {
            write();
        }
    }

    /** A finished epoch: rewrites metrics.json and report.html, and writes the epoch's TensorBoard file. */
    public synchronized void append(EpochMetrics metrics) {
        startIfNeeded();
        epochs.add(metrics);
        write();
        tensorBoard.writeEpoch(metrics, iterationsOf(metrics.epoch()));
    }

    public synchronized List<EpochMetrics> epochs() {
        return List.copyOf(epochs);
    }

    public synchronized List<IterationMetrics> iterations() {
        return List.copyOf(iterations);
    }

    /** Iterations of the epochs recorded so far (a resumed run's iteration numbers continue from here). */
    public synchronized long iterationsDone() {
        return epochs.stream().mapToLong(EpochMetrics::iterations).sum();
    }

    /** Training images of the epochs recorded so far. */
    public synchronized long examplesDone() {
        return epochs.stream().mapToLong(EpochMetrics::examples).sum();
    }

    public Path file() {
        return file;
    }

    public Path tensorBoardDir() {
        return tensorBoard.dir();
    }

    private void startIfNeeded() {
        if (!started) {
            resume(List.of());
        }
    }

    private List<IterationMetrics> iterationsOf(int epoch) {
        return iterations.stream().filter(p -> p.epoch() == epoch).toList();
    }

    private void write() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("run", run);
        doc.put("epochs", epochs);
        doc.put("iterations", iterations);
        HadoopFiles.writeAtomically(file, conf, out -> out.write(JSON.writeValueAsBytes(doc)));
        TrainingReport.write(file.getParent(), conf, run, epochs, iterations);
        lastWriteNanos = System.nanoTime();
    }

    private List<IterationMetrics> earlierIterations() {
        if (!HadoopFiles.exists(file, conf)) {
            return List.of();
        }
        try (FSDataInputStream in = HadoopFiles.fileSystem(file, conf).open(file)) {
            JsonNode points = JSON.readTree(in).path("iterations");
            List<IterationMetrics> found = new ArrayList<>();
            for (JsonNode p : points) {
                found.add(JSON.treeToValue(p, IterationMetrics.class));
            }
            return found;
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot read the iteration points of the earlier run from {} ({}); the resumed run's curves start at its"
                    + " first new epoch", file, e.toString());
            return List.of();
        }
    }
}
