package org.sparkresnet.jobs.nightly;

import org.sparkresnet.data.fs.SmallFiles;
import org.sparkresnet.data.fs.LockHeldException;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkException;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.spark.SparkContexts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import scala.Tuple2;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;

/** The nightly command: one date's prepare, train, evaluate, quality gate and promotion, for schedulers. */
@Command(name = "nightly", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"For schedules (cron, systemd timers, Airflow): in one Spark application, prepares the date's data",
                "(image folders: only the images added since the last completed date), trains, evaluates the new model and the",
                "current latest model on the date's test split, and moves ROOT/latest.json to the new model only if it passes",
                "the quality gate (new accuracy >= latest accuracy - --gate-tolerance). A completed date is not run again",
                "(exit 0, status skipped) unless --force; an unfinished one resumes its attempt (same settings) or starts a new",
                "one; a lock file per date keeps two schedules apart. Keeps the last --keep completed dates.",
                "Ends with one line of JSON on stdout (also ROOT/runs/dt=DATE/summary.json):",
                "  date, status, exitCode, accuracy, latestAccuracy, gate, model, latest, prepare, trainImages, imagesTrained, seconds, ...",
                "Layout: ROOT/latest.json, ROOT/runs/dt=DATE/{_SUCCESS,summary.json,attempt-N/{data,model,evaluation,...}},",
                "ROOT/shards/DATE-ID/ (image shards, shared by later dates), ROOT/locks/.", ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done: promoted, or skipped (the date was complete)",
                "1:unexpected failure (a bug: stack trace printed)",
                "2:bad usage: options or arguments (one-line error)",
                "3:bad data: unreadable or missing input, e.g. a truncated JPEG (fix the data; latest.json unchanged)",
                "4:temporary failure worth a retry: storage or cluster errors, or the date is locked by a live run",
                "5:quality gate failed: the new model is kept in its run folder, latest.json unchanged"})
public final class NightlyCommand implements Callable<Integer> {
    public static final int EXIT_BAD_USAGE = 2;
    public static final int EXIT_BAD_DATA = 3;
    public static final int EXIT_TEMPORARY = 4;
    public static final int EXIT_GATE_FAILED = NightlyRun.GATE_FAILED;

    @Spec
    CommandSpec spec;

    @Option(names = "--root", required = true, paramLabel = "URI", description = "where the nightly runs, shards and latest.json live")
    String root;
    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "the date to run; default: today in UTC")
    String date;
    @Option(names = "--dataset", defaultValue = "folder", paramLabel = "NAME", description = "folder, imagenet, fashion-mnist or mnist; default: ${DEFAULT-VALUE}")
    String dataset;
    @Option(names = "--input", required = true, paramLabel = "DIR", description = "the dataset's input, as for 'prepare' (image folders: train/ and val/ or test/)")
    String input;
    @Option(names = "--image-size", defaultValue = "0", paramLabel = "PIXELS", description = "image datasets: stored size (default: 224)")
    int imageSize;
    @Option(names = "--resize", defaultValue = "0", paramLabel = "PIXELS", description = "image datasets: shorter side before the crop (default: 256, or size x 256/224)")
    int resize;
    @Option(names = "--shard-size", paramLabel = "N", description = "examples per shard file (default: as 'prepare')")
    Integer shardSize;
    @Option(names = "--skip-bad", description = "leave unreadable images out (listed in the manifests) instead of failing with exit code 3")
    boolean skipBad;
    @Option(names = "--model", defaultValue = "resnet20", description = "model name; default: ${DEFAULT-VALUE}")
    String model;
    @Option(names = "--epochs", defaultValue = "1", description = "default: ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--batch", defaultValue = "64", description = "minibatch size per worker; default: ${DEFAULT-VALUE}")
    int batch;
    @Option(names = "--mode", defaultValue = "averaging", paramLabel = "averaging|sharing", description = "default: ${DEFAULT-VALUE}")
    String mode;
    @Option(names = "--updater", defaultValue = "adam", description = "adam or sgd; default: ${DEFAULT-VALUE}")
    String updater;
    @Option(names = "--lr", defaultValue = "0.001", description = "learning rate; default: ${DEFAULT-VALUE}")
    double learningRate;
    @Option(names = "--augment", defaultValue = "none", paramLabel = "none|flip|crop-flip", description = "default: ${DEFAULT-VALUE}")
    String augment;
    @Option(names = "--averaging-frequency", defaultValue = "5", description = "default: ${DEFAULT-VALUE}")
    int averagingFrequency;
    @Option(names = "--seed", defaultValue = "42", description = "default: ${DEFAULT-VALUE}")
    long seed;
    @Option(names = "--gate-tolerance", defaultValue = "0.01", paramLabel = "FRACTION",
            description = "the new model may be this much less accurate than latest (0.01 = one point); negative: it must be better; default: ${DEFAULT-VALUE}")
    double gateTolerance;
    @Option(names = "--keep", defaultValue = "7", paramLabel = "N", description = "completed dates to keep (latest's is always kept); default: ${DEFAULT-VALUE}")
    int keep;
    @Option(names = "--force", description = "run a completed date again (a new attempt; latest moves only if it passes the gate)")
    boolean force;
    @Option(names = "--lock-dir", paramLabel = "URI", description = "where the date locks live; default: ROOT/locks (for an s3a:// root give HDFS or a local folder)")
    String lockDir;
    @Option(names = "--lock-stale-seconds", defaultValue = "900", description = "a lock whose heartbeat is older is stale and taken over; default: ${DEFAULT-VALUE}")
    long staleSeconds;
    @Option(names = "--heartbeat-seconds", defaultValue = "30", description = "how often a running night refreshes its heartbeat; default: ${DEFAULT-VALUE}")
    long heartbeatSeconds;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not launched by spark-submit; default: local[*]")
    String master;
    @Option(names = "--progress-seconds", defaultValue = "30", description = "seconds between training progress lines; default: ${DEFAULT-VALUE}")
    int progressSeconds;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintStream out = System.out;
        NightlySummary summary = new NightlySummary(null);
        NightlyRun run = null;
        int exit;
        try {
            LocalDate day = date == null ? LocalDate.now(ZoneOffset.UTC) : parseDate(date);
            summary = new NightlySummary(day);
            Configuration hadoop = hadoopConf();
            NightlySettings settings = new NightlySettings(day, HadoopFiles.qualify(root, hadoop), lockDir == null ? null : HadoopFiles.qualify(lockDir, hadoop),
                    dataset, HadoopFiles.qualify(input, hadoop), imageSize, resize, shardSize, skipBad, model, epochs, batch, mode, updater,
                    learningRate, seed, augment, averagingFrequency, gateTolerance, keep, force, Duration.ofSeconds(staleSeconds),
                    Duration.ofSeconds(heartbeatSeconds), master, progressSeconds);
            run = new NightlyRun(settings, RunLayout.of(settings.root(), settings.lockDir()), new SmallFiles(hadoop), summary, out, Clock.systemUTC());
            exit = run.run();
        } catch (Exception e) {
            exit = exitCode(e);
            String status = switch (exit) {
                case EXIT_BAD_USAGE -> "bad-usage";
                case EXIT_BAD_DATA -> "bad-data";
                case EXIT_TEMPORARY -> e instanceof LockHeldException ? "locked" : "temporary-failure";
                default -> "failed";
            };
            String message = message(e, exit);
            err.println("nightly: error: " + message);
            if (exit == 1) {
                e.printStackTrace(err);
            }
            err.flush();
            summary.finish(status, exit);
            summary.error(message);
            if (run != null) {
                run.writeSummary(); // into the attempt and the date's folder; nothing when no attempt was chosen (lock refused)
            }
        }
        out.println(summary.toJson()); // stdout's last line
        out.flush();
        return exit;
    }

    private static LocalDate parseDate(String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--date must be YYYY-MM-DD, got '" + text + "'");
        }
    }

    /** Hadoop settings as the Spark application will have them (spark.hadoop.* and the Hadoop configuration files). */
    private Configuration hadoopConf() {
        Configuration conf = new Configuration();
        for (Tuple2<String, String> entry : SparkContexts.conf("resnet-nightly", master).getAllWithPrefix("spark.hadoop.")) {
            conf.set(entry._1(), entry._2());
        }
        return conf;
    }

    /** The exit code for a failure: see the command's exit code list. */
    static int exitCode(Throwable e) {
        if (e instanceof LockHeldException) {
            return EXIT_TEMPORARY;
        }
        if (DataPrepException.findIn(e) != null) {
            return EXIT_BAD_DATA;
        }
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof IllegalArgumentException) {
                return EXIT_BAD_USAGE;
            }
        }
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof SparkException) {
                return EXIT_TEMPORARY;
            }
        }
        return 1;
    }

    private static String message(Throwable e, int exit) {
        Throwable shown = exit == EXIT_BAD_DATA ? DataPrepException.findIn(e) : e;
        return shown.getMessage() == null ? shown.getClass().getName() : shown.getMessage().lines().findFirst().orElse("");
    }
}
