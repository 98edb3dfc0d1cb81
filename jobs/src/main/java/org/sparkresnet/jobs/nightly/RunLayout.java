package org.sparkresnet.jobs.nightly;

import org.apache.hadoop.fs.Path;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Where everything lives under the nightly root (every path a Hadoop FS URI):
 * <pre>
 * ROOT/latest.json                          the promoted model: date, attempt, model URI, its accuracy
 * ROOT/locks/dt=DATE.lock (+ .heartbeat)    one date's lock (--lock-dir moves them)
 * ROOT/shards/DATE-ID/{train,test}/         image shards first prepared by that date's run, each folder a prepared
 *                                           dataset of its own (manifest written last); shared by later dates
 * ROOT/runs/dt=DATE/_SUCCESS                the date's completion marker, written last: which attempt, its status
 * ROOT/runs/dt=DATE/summary.json            the summary of the date's last attempt (also failed ones)
 * ROOT/runs/dt=DATE/attempt-N/              one attempt, never mixed with another:
 *     attempt.json                          its settings (a rerun with the same settings resumes it)
 *     data/{train,test}/manifest.json       the date's dataset: manifests naming shards under ROOT/shards/
 *     data/prepared.json, data/files.tsv.gz what was prepared from where (written last: the data stage is done)
 *     model/                                the train output (model.zip, run.json, metrics.json, checkpoints/, ...)
 *     train.json                            the train stage is done: its figures
 *     evaluation/, evaluation-latest/       the new and the latest model evaluated on this date's test split
 *     summary.json                          this attempt's summary line
 * </pre>
 */
record RunLayout(Path root, Path lockDir) {
    static final String SUCCESS = "_SUCCESS";
    static final String SUMMARY = "summary.json";
    static final String LATEST = "latest.json";
    private static final String DATE_PREFIX = "dt=";
    private static final String ATTEMPT_PREFIX = "attempt-";

    static RunLayout of(String rootUri, String lockDirUri) {
        Path root = new Path(rootUri);
        return new RunLayout(root, lockDirUri == null ? new Path(root, "locks") : new Path(lockDirUri));
    }

    Path latest() {
        return new Path(root, LATEST);
    }

    Path runs() {
        return new Path(root, "runs");
    }

    Path shards() {
        return new Path(root, "shards");
    }

    Path batch(String name) {
        return new Path(shards(), name);
    }

    Path dateDir(LocalDate date) {
        return new Path(runs(), DATE_PREFIX + date);
    }

    Path success(LocalDate date) {
        return new Path(dateDir(date), SUCCESS);
    }

    Path dateSummary(LocalDate date) {
        return new Path(dateDir(date), SUMMARY);
    }

    Path attempt(LocalDate date, int attempt) {
        return new Path(dateDir(date), ATTEMPT_PREFIX + attempt);
    }

    Path lock(LocalDate date) {
        return new Path(lockDir, DATE_PREFIX + date + ".lock");
    }

    /** The shard reference of a batch's shard as a date's manifest names it: relative, so ROOT can move. */
    static String shardReference(String batch, String split, String shardFile) {
        // from ROOT/runs/dt=D/attempt-N/data/SPLIT/ up to ROOT
        return "../../../../../shards/" + batch + "/" + split + "/" + shardFile;
    }

    /** The batch a shard reference points into, if it is one. */
    static Optional<String> batchOf(String shardReference) {
        String prefix = "../../../../../shards/";
        if (!shardReference.startsWith(prefix)) {
            return Optional.empty();
        }
        String rest = shardReference.substring(prefix.length());
        int slash = rest.indexOf('/');
        return slash > 0 ? Optional.of(rest.substring(0, slash)) : Optional.empty();
    }

    static Optional<LocalDate> dateOf(String dirName) {
        if (!dirName.startsWith(DATE_PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(LocalDate.parse(dirName.substring(DATE_PREFIX.length())));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    static Optional<Integer> attemptOf(String dirName) {
        if (!dirName.startsWith(ATTEMPT_PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(dirName.substring(ATTEMPT_PREFIX.length())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The date a batch folder (DATE-ID) was prepared for. */
    static Optional<LocalDate> batchDate(String batch) {
        return batch.length() > 10 ? dateOf(DATE_PREFIX + batch.substring(0, 10)) : Optional.empty();
    }
}
