package org.sparkresnet.jobs.nightly;

import org.sparkresnet.data.fs.RunLock;
import org.sparkresnet.data.fs.SmallFiles;
import org.sparkresnet.data.fs.LockHeldException;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.spark.ExecutorThreads;
import org.sparkresnet.data.spark.SparkContexts;
import org.sparkresnet.jobs.eval.EvaluationReport;
import org.sparkresnet.jobs.eval.Evaluator;
import org.sparkresnet.jobs.eval.SparkEvaluation;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.store.Checkpoints;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.TrainResult;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.jobs.train.TrainingMode;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * One night, in one Spark application: under the date's lock, skip a completed date (unless forced), pick the attempt
 * (resume the newest unfinished one when its settings are the same, else a new one), then prepare, train, evaluate the
 * new and the latest model on the date's test split, gate, promote, apply retention, and mark the date complete last.
 * Fills {@code summary} as it goes; failures propagate for {@link NightlyCommand} to map to exit codes.
 */
final class NightlyRun {
    static final int OK = 0;
    static final int GATE_FAILED = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NightlySettings settings;
    private final RunLayout layout;
    private final SmallFiles files;
    private final NightlySummary summary;
    private final PrintStream out;
    private final Clock clock;
    private final Consumer<String> log;
    private Path attemptDir;

    NightlyRun(NightlySettings settings, RunLayout layout, SmallFiles files, NightlySummary summary, PrintStream out, Clock clock) {
        this.settings = settings;
        this.layout = layout;
        this.files = files;
        this.summary = summary;
        this.out = out;
        this.clock = clock;
        this.log = line -> {
            out.println("nightly: " + line);
            out.flush();
        };
    }

    /** The attempt folder once chosen (for the failure summary), else null. */
    Path attemptDir() {
        return attemptDir;
    }

    int run() throws IOException {
        try (RunLock lock = RunLock.acquire(files, layout.lock(settings.date()), "date " + settings.date(), settings.staleAfter(), settings.heartbeatEvery(), clock, log)) {
            summary.put("host", lock.holder().host());
            if (!settings.force()) {
                Optional<Completed> done = Completed.read(files, layout, settings.date());
                if (done.isPresent()) {
                    skipped(done.get());
                    return OK;
                }
            }
            int attempt = chooseAttempt();
            attemptDir = layout.attempt(settings.date(), attempt);
            summary.put("attempt", attempt);
            summary.put("run", attemptDir.toString());
            ExecutorThreads threads = TrainingMode.parse(settings.mode()) == TrainingMode.SHARING ? ExecutorThreads.PER_EXECUTOR : ExecutorThreads.PER_TASK;
            try (JavaSparkContext sc = SparkContexts.create("resnet-nightly dt=" + settings.date(), settings.master(), threads)) {
                return stages(sc, lock, attempt);
            }
        }
    }

    private int stages(JavaSparkContext sc, RunLock lock, int attempt) throws IOException {
        Configuration conf = sc.hadoopConfiguration();
        long started = System.nanoTime();
        NightlyData.Prepared data = new NightlyData(sc, files, layout, settings, log).prepare(attemptDir, settings.date());
        summary.duration("prepare", started);
        Map<String, Object> prepared = new LinkedHashMap<>();
        prepared.put("mode", data.mode());
        prepared.put("newImages", data.newImages());
        prepared.put("reason", data.reason());
        prepared.put("batches", data.batches());
        summary.put("prepare", prepared);
        summary.put("trainImages", data.trainImages());
        summary.put("testImages", data.testImages());

        long trainStarted = System.nanoTime();
        Path modelZip = new Path(new Path(attemptDir, "model"), Trainer.MODEL_FILE);
        summary.put("imagesTrained", train(sc, data));
        summary.put("model", modelZip.toString());
        summary.duration("train", trainStarted);

        long evalStarted = System.nanoTime();
        String testSplit = new Path(data.dataUri(), Trainer.TEST_SPLIT).toString();
        SparkEvaluation.Result mine = Evaluator.run(sc, modelZip.toString(), testSplit);
        EvaluationReport.write(new Path(attemptDir, "evaluation"), "test", modelZip.toString(), mine, mine.top1().getLabelsList(), conf);
        summary.put("accuracy", mine.accuracy());
        Optional<LatestPointer> before = LatestPointer.read(files, layout.latest());
        QualityGate gate = new QualityGate(settings.gateTolerance());
        QualityGate.Decision decision;
        if (before.isEmpty()) {
            decision = gate.decide(mine.accuracy(), OptionalDouble.empty());
        } else if (!files.exists(new Path(before.get().model()))) {
            decision = QualityGate.incomparable("its model " + before.get().model() + " does not exist");
        } else {
            summary.put("latestBefore", before.get().model());
            decision = evaluateLatest(sc, before.get(), testSplit, mine.accuracy(), gate);
        }
        summary.duration("evaluate", evalStarted);
        summary.put("gate", decision.verdict());
        summary.put("gateReason", decision.reason());
        summary.put("tolerance", settings.gateTolerance());
        log.accept("gate: " + decision.verdict() + ": " + decision.reason());

        Optional<LatestPointer> after = before;
        if (decision.passed()) {
            if (lock.lost() || !lock.stillHeld()) {
                throw new LockHeldException("the lock " + layout.lock(settings.date()) + " was taken over while this run trained: not promoting");
            }
            LatestPointer pointer = new LatestPointer(settings.date().toString(), attempt, modelZip.toString(), attemptDir.toString(),
                    mine.accuracy(), clock.instant().toString());
            pointer.write(files, layout.latest());
            after = Optional.of(pointer);
            log.accept("promoted: " + layout.latest() + " -> " + modelZip);
        } else {
            log.accept("not promoted: " + layout.latest() + " stays " + before.map(LatestPointer::model).orElse("absent"));
        }
        summary.put("latest", after.map(LatestPointer::model).orElse(null));
        String status = decision.passed() ? "promoted" : "gate-failed";
        try {
            Retention.Outcome kept = new Retention(files, layout, this::liveLock, log).apply(settings.keep(), settings.date(), attempt, after);
            summary.put("deleted", kept.deletedDates());
            if (kept.deferredBecause() != null) {
                summary.put("retention", "deferred: " + kept.deferredBecause());
            }
        } catch (IOException | RuntimeException e) {
            log.accept("warning: retention failed, will try again next night: " + e.getMessage());
            summary.put("retention", "failed: " + e.getMessage());
        }
        int exit = decision.passed() ? OK : GATE_FAILED;
        summary.finish(status, exit);
        writeSummary();
        new Completed(settings.date(), attempt, status, clock.instant().toString()).write(files, layout); // last: the date is complete
        return exit;
    }

    private QualityGate.Decision evaluateLatest(JavaSparkContext sc, LatestPointer latest, String testSplit, double mine, QualityGate gate) {
        SparkEvaluation.Result theirs;
        try {
            theirs = Evaluator.run(sc, latest.model(), testSplit);
        } catch (IllegalArgumentException e) {
            return QualityGate.incomparable(e.getMessage());
        }
        EvaluationReport.write(new Path(attemptDir, "evaluation-latest"), "test", latest.model(), theirs, theirs.top1().getLabelsList(),
                sc.hadoopConfiguration());
        summary.put("latestAccuracy", theirs.accuracy());
        log.accept(String.format("latest model (dt=%s) on this date's test split: %.4f; new model: %.4f", latest.date(), theirs.accuracy(), mine));
        return gate.decide(mine, OptionalDouble.of(theirs.accuracy()));
    }

    /** Trains into ATTEMPT/model, resuming from its checkpoints if an earlier try of this attempt left some; the images trained. */
    private long train(JavaSparkContext sc, NightlyData.Prepared data) throws IOException {
        Path output = new Path(attemptDir, "model");
        Path done = new Path(attemptDir, "train.json");
        Optional<String> record = files.read(done);
        if (record.isPresent()) {
            log.accept("train: reusing the model this attempt trained before it stopped (" + output + ")");
            return JSON.readTree(record.get()).path("imagesTrained").asLong();
        }
        boolean resume = new Checkpoints(output, sc.hadoopConfiguration()).anyComplete();
        if (resume) {
            log.accept("train: resuming from the checkpoints in " + output);
        }
        TrainRequest request = settings.trainRequest(data.dataUri(), output.toString(), resume, !resume);
        TrainResult result = new Trainer(sc, out, Duration.ofSeconds(settings.progressSeconds())).run(request);
        long images = result.epochs().stream().mapToLong(EpochMetrics::examples).sum();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("imagesTrained", images);
        figures.put("epochs", result.epochs().size());
        figures.put("lastEpochTestAccuracy", result.last().testAccuracy());
        files.replace(done, JSON.writeValueAsString(figures));
        return images;
    }

    /** The newest attempt when it is unfinished and has these settings (resume it), else a new one. */
    private int chooseAttempt() throws IOException {
        int newest = 0;
        for (FileStatus status : files.list(layout.dateDir(settings.date()))) {
            newest = Math.max(newest, RunLayout.attemptOf(status.getPath().getName()).orElse(0));
        }
        Path attemptJson = new Path(layout.attempt(settings.date(), newest), "attempt.json");
        if (newest > 0 && !settings.force()) {
            // compared as read back from text: 42 as a long and 42 as read are different nodes
            Optional<String> recorded = files.read(attemptJson);
            if (recorded.isPresent() && JSON.readTree(recorded.get()).path("settings").equals(JSON.readTree(JSON.writeValueAsString(settings.fingerprint())))) {
                log.accept("resuming the unfinished attempt " + newest + " of dt=" + settings.date() + " (same settings)");
                return newest;
            }
            log.accept("starting a new attempt: attempt " + newest + " of dt=" + settings.date() + " ran with other settings");
        }
        int attempt = newest + 1;
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("date", settings.date().toString());
        record.put("attempt", attempt);
        record.put("started", clock.instant().toString());
        record.put("settings", settings.fingerprint());
        files.replace(new Path(layout.attempt(settings.date(), attempt), "attempt.json"), JSON.writeValueAsString(record));
        return attempt;
    }

    private void skipped(Completed done) throws IOException {
        summary.put("attempt", done.attempt());
        summary.put("completedStatus", done.status());
        summary.put("completed", done.finished());
        files.read(layout.dateSummary(settings.date())).ifPresent(previous -> {
            try {
                var node = JSON.readTree(previous);
                for (String field : new String[] {"accuracy", "latestAccuracy", "gate", "model"}) {
                    if (node.has(field)) {
                        summary.put(field, JSON.treeToValue(node.get(field), Object.class));
                    }
                }
            } catch (IOException e) {
                // the skip stands without the earlier figures
            }
        });
        LatestPointer.read(files, layout.latest()).ifPresent(l -> summary.put("latest", l.model()));
        log.accept("dt=" + settings.date() + " is complete (attempt " + done.attempt() + ", " + done.status() + "): nothing to do; --force runs it again");
        summary.finish("skipped", OK);
    }

    /** Writes the summary next to the attempt and as the date's summary.json (also for failed attempts). */
    void writeSummary() {
        if (attemptDir == null) {
            return;
        }
        String line = summary.toJson();
        try {
            files.replace(new Path(attemptDir, RunLayout.SUMMARY), line + "\n");
            files.replace(layout.dateSummary(settings.date()), line + "\n");
        } catch (IOException | RuntimeException e) {
            log.accept("warning: cannot write summary.json: " + e.getMessage());
        }
    }

    private boolean liveLock(Path lockFile) {
        try {
            Optional<String> content = files.read(lockFile);
            return content.isPresent() && RunLock.staleReason(files, lockFile, RunLock.parse(content.get()), settings.staleAfter(), clock) == null;
        } catch (IOException | RuntimeException e) {
            return true; // unsure: hold retention back
        }
    }
}
