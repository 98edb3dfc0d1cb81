package org.sparkresnet.jobs.infer;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.spark.RunningTasks;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/**
 * Writes a job's DataFrame to a folder atomically: Spark writes a hidden temporary folder beside the target, which is
 * renamed to the target once complete, so the target either does not exist or holds every row. An existing target is
 * refused unless replacing it was asked for.
 */
final class OutputFolder {
    enum Format {
        PARQUET, JSON, CSV;

        static Format of(String value) {
            for (Format format : values()) {
                if (format.name().equalsIgnoreCase(value)) {
                    return format;
                }
            }
            throw new IllegalArgumentException("--format must be parquet, json or csv, got '" + value + "'");
        }

        String sparkName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private OutputFolder() {
    }

    /** @throws IllegalArgumentException when {@code target} exists and {@code overwrite} is false */
    static void checkWritable(Path target, boolean overwrite, Configuration conf) {
        if (!overwrite && HadoopFiles.exists(target, conf)) {
            throw new IllegalArgumentException("output " + target + " exists: choose another --output or add --overwrite");
        }
    }

    static void write(Dataset<Row> rows, Format format, Path target, boolean overwrite, Configuration conf) {
        checkWritable(target, overwrite, conf);
        FileSystem fs = HadoopFiles.fileSystem(target, conf);
        Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        try {
            try {
                rows.write().format(format.sparkName()).option("header", "true").save(temporary.toString());
            } catch (Exception e) { // Spark's failed job is the checked SparkException
                // A failed job's other tasks may still be writing: only once they are done does the folder go whole
                // (otherwise a straggler recreates it after the delete below).
                RunningTasks.awaitNone(JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext()), Duration.ofMinutes(2));
                throw e;
            }
            if (overwrite && fs.exists(target) && !fs.delete(target, true)) {
                throw new IOException("cannot replace " + target);
            }
            if (!fs.rename(temporary, target)) {
                throw new IOException("cannot rename " + temporary + " to " + target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target + " failed: " + e.getMessage(), e);
        } finally {
            try {
                if (fs.exists(temporary)) {
                    fs.delete(temporary, true);
                }
            } catch (IOException e) {
                System.err.println("warning: cannot remove " + temporary + ": " + e.getMessage());
            }
        }
    }
}
