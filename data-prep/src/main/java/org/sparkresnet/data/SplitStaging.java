package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 */
final class SplitStaging {
    private final Path output;
    private final Path root;
    private final FileSystem fs;

    private SplitStaging(Path output, Path root, FileSystem fs) {
        this.output = output;
        this.root = root;
        this.fs = fs;
    }

    /** A new, empty staging folder in {@code output} for one run. */
    static SplitStaging create(Path output, Configuration conf) {
        Path root = new Path(output, "_staging-" + UUID.randomUUID());
        FileSystem fs = HadoopFiles.fileSystem(root, conf);
        try {
            if (!fs.mkdirs(root)) {
                throw new IOException("mkdirs returned false");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create staging folder " + root + ": " + e.getMessage(), e);
        }
        return new SplitStaging(output, root, fs);
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

    /** Moves the split's shards to {@code <output>/<split>} and returns that folder; the caller writes the manifest. */
    Path commit(String split) {
        Path target = new Path(output, split);
        try {
            // a rename onto an existing folder would nest the split inside it: another run got there first
            if (fs.exists(target)) {
                throw new DataPrepException("output " + target + " appeared while this run was writing it (another prepare run?); nothing of this run was committed there");
            }
            if (!fs.rename(new Path(root, split), target)) {
                throw new IOException("rename returned false");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + new Path(root, split) + " to " + target + ": " + e.getMessage(), e);
        }
        return target;
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
