package org.sparkresnet.data.fs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.UUID;

/** Small Hadoop FS helpers shared by the writers: the file system of a path, and atomic writes. */
public final class HadoopFiles {
    private static final int WRITE_BUFFER_BYTES = 1 << 20;
    private HadoopFiles() {
    }

    /** What writes the content of one file. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Counts what a writer writes and ignores its close(): writers such as DataSet.save close the stream they are
     * given, but the temporary file must be closed by writeAtomically, before the rename.
     */
    /**
     * Counts what the writer writes, and stands between it and the Hadoop stream. Its close only flushes: the stream is
     * ours to close. After a failure it stops touching the Hadoop stream: HDFS's, once its pipeline failed, throws the
     * same exception instance from every later call, and a writer's try-with-resources adding that exception to itself
     * as suppressed throws IllegalArgumentException ("Self-suppression not permitted") in place of the real error.
     */
    private static final class CountingOutputStream extends FilterOutputStream {
        long count;
        private IOException failed;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException { // writers such as DataSet.save come here once per byte
            checkNotFailed();
            try {
                out.write(b);
            } catch (IOException e) {
                failed = e;
                throw e;
            }
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            checkNotFailed();
            try {
                out.write(bytes, offset, length);
            } catch (IOException e) {
                failed = e;
                throw e;
            }
            count += length;
        }

        @Override
        public void flush() throws IOException {
            checkNotFailed();
            try {
                out.flush();
            } catch (IOException e) {
                failed = e;
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            if (failed == null) {
                flush();
            }
        }

        private void checkNotFailed() throws IOException {
            if (failed != null) {
                throw new IOException("the write already failed: " + failed.getMessage(), failed);
            }
        }
    }

    public static FileSystem fileSystem(Path path, Configuration conf) {
        try {
            return path.getFileSystem(conf);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the file system of " + path + ": " + e.getMessage(), e);
        }
    }

    /** {@link #writeAtomically(FileSystem, Path, Writer)} on the path's own file system, failures unchecked. */
    public static long writeAtomically(Path target, Configuration conf, Writer writer) {
        try {
            return writeAtomically(fileSystem(target, conf), target, writer);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * The path as an absolute, scheme-qualified URI, resolved on the driver: a relative local path becomes
     * {@code file:/<working dir>/path}, so executors, which run in other working directories (or on other machines),
     * read and write the same place; a path without a scheme takes the default file system's ({@code fs.defaultFS}).
     * Jobs qualify every path they are given before any task sees it.
     */
    public static String qualify(String pathOrUri, Configuration conf) {
        if (pathOrUri == null || pathOrUri.isBlank()) {
            return pathOrUri;
        }
        Path path = new Path(pathOrUri);
        java.net.URI uri = path.toUri();
        if (uri.getScheme() != null && (uri.getAuthority() != null || path.isAbsolute()) && !"file".equals(uri.getScheme())) {
            return path.toString(); // hdfs://nn/x, s3a://bucket/x: already names its file system and place
        }
        if (path.isAbsolute()) {
            return path.makeQualified(uri.getScheme() != null ? uri : FileSystem.getDefaultUri(conf), new Path("/")).toString();
        }
        return fileSystem(path, conf).makeQualified(path).toString(); // relative: the default file system's working directory
    }

    public static boolean exists(Path path, Configuration conf) {
        try {
            return fileSystem(path, conf).exists(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code target} atomically: the content goes to a hidden temporary name in the same directory (readers and
     * Hadoop input formats skip names starting with '.'), which is then renamed, so {@code target} either does not
     * exist or is complete. An existing {@code target} is replaced.
     *
     * @return the number of bytes written
     */
    public static long writeAtomically(FileSystem fs, Path target, Writer writer) throws IOException {
        Path temporary = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            long bytes;
            FSDataOutputStream out = fs.create(temporary, false);
            try {
                // buffered: writers such as DataSet.save write array elements one at a time, and every write into a
                // Hadoop stream is synchronised and checksummed
                CountingOutputStream counting = new CountingOutputStream(new BufferedOutputStream(out, WRITE_BUFFER_BYTES));
                writer.writeTo(counting);
                counting.flush();
                bytes = counting.count;
            } catch (IOException | RuntimeException e) {
                closeAfterFailure(out, e);
                throw e;
            }
            out.close();
            if (fs.exists(target) && !fs.delete(target, false)) {
                throw new IOException("cannot replace " + target);
            }
            if (!fs.rename(temporary, target)) {
                throw new IOException("cannot rename " + temporary + " to " + target);
            }
            return bytes; // the rename took the temporary name away
        } catch (IOException | RuntimeException e) {
            removeQuietly(fs, temporary, e);
            throw e;
        }
    }

    /**
     * Not try-with-resources: HDFS's output stream, once its pipeline failed, throws that same exception again from
     * close, and adding an exception to itself as suppressed throws IllegalArgumentException ("Self-suppression not
     * permitted"), which would replace the real error.
     */
    private static void closeAfterFailure(FSDataOutputStream out, Exception failure) {
        try {
            out.close();
        } catch (IOException | RuntimeException close) {
            if (close != failure) {
                failure.addSuppressed(close);
            }
        }
    }

    /**
     * After a failed write the temporary name must not linger; but when the store itself is down the clean-up fails
     * too, and its error (after its own retries) must not replace the write's, which names the target.
     */
    private static void removeQuietly(FileSystem fs, Path temporary, Exception failure) {
        try {
            fs.delete(temporary, false);
        } catch (IOException | RuntimeException cleanup) {
            failure.addSuppressed(cleanup);
        }
    }
}
