package org.sparkresnet.data.fs;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The small files jobs coordinate through (locks, heartbeats, the nightly latest.json and markers), with the atomicity
 * each file system really gives:
 * <ul>
 *   <li>{@link #createExclusive}: local disk: {@code open(O_CREAT|O_EXCL)} (Hadoop's local create(overwrite=false)
 *       checks then creates, which two processes can both pass); HDFS: {@code create(overwrite=false)}, atomic in the
 *       NameNode; S3A (Hadoop 3.3): not atomic, hence {@code --lock-dir} on HDFS or local disk for S3 roots.</li>
 *   <li>{@link #replace}: local disk: a temporary file moved over the target (rename(2), atomic); HDFS and other
 *       file systems with a FileContext: rename with OVERWRITE (atomic in the NameNode); S3: one PUT of the whole
 *       object, which readers see whole or not at all (S3 has no rename: S3A copies).</li>
 * </ul>
 * Local files are written without Hadoop's .crc sidecars, so a replaced file never meets an older checksum.
 */
public final class SmallFiles {
    private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs", "oss");

    private final Configuration conf;

    public SmallFiles(Configuration conf) {
        this.conf = conf;
    }

    public Configuration conf() {
        return conf;
    }

    public FileSystem fs(Path path) {
        return HadoopFiles.fileSystem(path, conf);
    }

    public static boolean isLocal(Path path) {
        return "file".equals(path.toUri().getScheme());
    }

    public static boolean isObjectStore(Path path) {
        String scheme = path.toUri().getScheme();
        return scheme != null && OBJECT_STORES.contains(scheme.toLowerCase(Locale.ROOT));
    }

    private static java.nio.file.Path local(Path path) {
        return java.nio.file.Paths.get(path.toUri());
    }

    /** The file's text, or empty when it does not exist. */
    public Optional<String> read(Path path) throws IOException {
        if (isLocal(path)) {
            try {
                return Optional.of(Files.readString(local(path), StandardCharsets.UTF_8));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }
        try (FSDataInputStream in = fs(path).open(path)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    public boolean exists(Path path) throws IOException {
        return isLocal(path) ? Files.exists(local(path)) : fs(path).exists(path);
    }

    /** Creates the file with {@code content} only if no file of that name exists; false if one does. */
    public boolean createExclusive(Path path, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (isLocal(path)) {
            java.nio.file.Path file = local(path);
            Files.createDirectories(file.getParent());
            try {
                Files.write(file, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                return true;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                return false;
            }
        }
        FileSystem fs = fs(path);
        fs.mkdirs(path.getParent());
        try (FSDataOutputStream out = fs.create(path, false)) {
            out.write(bytes);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            // another client creating the same file at this moment (HDFS: AlreadyBeingCreatedException) lost us the race too
            if (fs.exists(path)) {
                return false;
            }
            throw e;
        }
    }

    /** Writes {@code content} to {@code path} so that readers see the old or the new file whole, never a part. */
    public void replace(Path path, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (isLocal(path)) {
            java.nio.file.Path file = local(path);
            Files.createDirectories(file.getParent());
            java.nio.file.Path temporary = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
            try {
                Files.write(temporary, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
            return;
        }
        FileSystem fs = fs(path);
        if (isObjectStore(path)) {
            try (FSDataOutputStream out = fs.create(path, true)) { // one PUT when the stream closes
                out.write(bytes);
            }
            return;
        }
        fs.mkdirs(path.getParent());
        Path temporary = new Path(path.getParent(), "." + path.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FSDataOutputStream out = fs.create(temporary, false)) {
                out.write(bytes);
            }
            FileContext.getFileContext(path.toUri(), conf).rename(temporary, path, Options.Rename.OVERWRITE);
        } finally {
            if (fs.exists(temporary)) {
                fs.delete(temporary, false);
            }
        }
    }

    /** Renames a file or folder; false when the source is gone or the target exists. */
    public boolean rename(Path from, Path to) throws IOException {
        if (isLocal(from) && isLocal(to)) {
            java.nio.file.Path target = local(to);
            if (Files.exists(target)) {
                return false;
            }
            try {
                Files.move(local(from), target, StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (NoSuchFileException e) {
                return false;
            }
        }
        return fs(from).rename(from, to);
    }

    public boolean delete(Path path, boolean recursive) throws IOException {
        return fs(path).delete(path, recursive);
    }

    /** Modification time in ms, or empty when the file does not exist. */
    public Optional<Long> modificationTime(Path path) throws IOException {
        try {
            return Optional.of(fs(path).getFileStatus(path).getModificationTime());
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    /** The entries of a folder (empty when it does not exist). */
    public List<FileStatus> list(Path dir) throws IOException {
        try {
            return new ArrayList<>(List.of(fs(dir).listStatus(dir)));
        } catch (FileNotFoundException e) {
            return new ArrayList<>();
        }
    }

    public static UncheckedIOException unchecked(String what, IOException e) {
        return new UncheckedIOException(what + ": " + e.getMessage(), e);
    }
}
