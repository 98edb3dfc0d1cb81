package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Where one prepare run's shard tasks write: {@code <output>/_staging-<run id>/<split>}, renamed to
 * {@code <output>/<split>} when the driver commits the split (its manifest is written after the rename, last).
 * <p>
 * Why not write into the split folder at once: when a task fails, Spark fails the job but lets the stage's other
 * running tasks finish, and the driver hears of their end through a listener bus that lags. A task still writing
 * then wrote into {@code <output>/<split>} after the failed run's cleanup, leaving a split folder (without a
 * manifest) that made the next run refuse the output. Now such a straggler can only write under this run's
 * staging folder, which no reader and no later run looks at (Hadoop tools skip names starting with '_').
 * Directory renames are atomic on HDFS and local disks; on S3 (s3a) a rename copies the objects, as Hadoop's own
 * output committers do.
 * <p>
 * With {@code --overwrite} the old split stays where it is while the new one is written; only at the commit is it
 * moved aside, under this run's staging folder, and the new one moved in. A run that fails, even in the middle of its
 * commits, {@link #rollBack rolls back}: its own committed splits go and the old ones move back, so a failed rerun
 * leaves the previous dataset exactly as it was. Only {@link #finish} (after every split and manifest is written)
 * deletes the old data.
 */
final class SplitStaging {
    private static final String REPLACED = "_replaced";

    private final Path output;
    private final Path root;
    private final FileSystem fs;
    private final boolean replaceExisting;
    private final List<Path> committed = new ArrayList<>();
    private final Map<Path, Path> replaced = new LinkedHashMap<>(); // split folder -> where its old content waits

    private SplitStaging(Path output, Path root, FileSystem fs, boolean replaceExisting) {
        this.output = output;
        this.root = root;
        this.fs = fs;
        this.replaceExisting = replaceExisting;
    }

    /** A new, empty staging folder in {@code output} for one run that refuses to replace existing splits. */
    static SplitStaging create(Path output, Configuration conf) {
        return create(output, conf, false);
    }

    /** A new, empty staging folder in {@code output} for one run; {@code replaceExisting}: --overwrite. */
    static SplitStaging create(Path output, Configuration conf, boolean replaceExisting) {
        Path root = new Path(output, "_staging-" + UUID.randomUUID());
        FileSystem fs = HadoopFiles.fileSystem(root, conf);
        try {
            if (!fs.mkdirs(root)) {
                throw new IOException("mkdirs returned false");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create staging folder " + root + ": " + e.getMessage(), e);
        }
        return new SplitStaging(output, root, fs, replaceExisting);
    }

    /** The progress line a job prints before its commits: the moment after which the new dataset replaces the old. */
    static String committing(int splits, Path output) {
        return "every shard written; committing " + splits + (splits == 1 ? " split" : " splits") + " into " + output;
    }

    /** Where the tasks write the split's shards (created here). */
    Path splitDir(String split) {
        Path dir = new Path(root, split);
        try {
            fs.mkdirs(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /**
     * Moves the split's shards to {@code <output>/<split>} and returns that folder; the caller writes the manifest.
     * An existing split (only with replaceExisting) is first moved aside, kept until {@link #finish}.
     */
    Path commit(String split) {
        Path target = new Path(output, split);
        try {
            // a rename onto an existing folder would nest the split inside it
            if (fs.exists(target)) {
                if (!replaceExisting) {
                    throw new DataPrepException("output " + target + " appeared while this run was writing it (another prepare run?); nothing of this run was committed there");
                }
                Path aside = new Path(new Path(root, REPLACED), split);
                fs.mkdirs(aside.getParent());
                rename(target, aside);
                replaced.put(target, aside);
            }
            rename(new Path(root, split), target);
            committed.add(target);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + new Path(root, split) + " to " + target + ": " + e.getMessage(), e);
        }
        return target;
    }

    /** Every split and its manifest is in place: deletes the staging folder and with it the replaced old splits. */
    void finish() {
        discard();
    }

    /**
     * The run failed: removes the splits it committed, puts the old ones it replaced back, then deletes the staging
     * folder. Best effort on every step (the run's own failure is what gets reported); what cannot be put back stays
     * under the staging folder, and the returned lines say where.
     */
    List<String> rollBack() {
        List<String> leftovers = new ArrayList<>();
        for (Path target : committed) {
            try {
                fs.delete(target, true);
            } catch (IOException e) {
                leftovers.add("could not remove this run's " + target + ": " + e.getMessage());
            }
        }
        for (Map.Entry<Path, Path> old : replaced.entrySet()) {
            try {
                if (fs.exists(old.getKey())) {
                    fs.delete(old.getKey(), true);
                }
                rename(old.getValue(), old.getKey());
            } catch (IOException e) {
                leftovers.add("the previous " + old.getKey() + " could not be put back and is at " + old.getValue() + ": " + e.getMessage());
            }
        }
        if (leftovers.isEmpty()) {
            discard();
        }
        return leftovers;
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("rename of " + from + " to " + to + " returned false");
        }
    }

    /** Deletes the staging folder (what a failed run wrote, or nothing once every split is committed). */
    void discard() {
        try {
            fs.delete(root, true);
        } catch (IOException e) {
            // what is left is under a '_' name that nothing reads; the run's own outcome matters more
        }
    }
}
