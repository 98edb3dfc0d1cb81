package org.sparkresnet.jobs.store;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.UUID;

/** Atomic writes to any Hadoop file system: write a hidden temporary file beside the target, then rename it. */
public final class HadoopFiles {
    private HadoopFiles() {
    }

    @FunctionalInterface
    public interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Writes {@code target} so that readers see either the old whole file or the new whole file, never a part. */
    public static void writeAtomically(Path target, Configuration conf, StreamWriter writer) {
        try {
            FileSystem fs = target.getFileSystem(conf);
            fs.mkdirs(target.getParent());
            Path temp = new Path(target.getParent(), "._tmp-" + UUID.randomUUID() + "-" + target.getName());
            try (FSDataOutputStream out = fs.create(temp, false)) {
                writer.write(out);
            } catch (IOException | RuntimeException e) {
                fs.delete(temp, false);
                throw e;
            }
            if (fs.exists(target) && !fs.delete(target, false)) {
                throw new IOException("cannot replace " + target);
            }
            if (!fs.rename(temp, target)) {
                fs.delete(temp, false);
                throw new IOException("cannot rename " + temp + " to " + target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target + " failed: " + e.getMessage(), e);
        }
    }

    public static boolean exists(Path path, Configuration conf) {
        try {
            return path.getFileSystem(conf).exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + path + ": " + e.getMessage(), e);
        }
    }
}
