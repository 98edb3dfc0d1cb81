package org.sparkresnet.jobs.preflight;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.security.UserGroupInformation;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.SplitManifest;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

/**
 * Read access to the prepared data (each split's manifest and its first shard) and write access to the output (a probe
 * file written under a temporary name, read back and deleted), from the JVM that runs it: the driver and every
 * executor run it, because they may be different users on different machines with different credentials.
 */
public final class StorageCheck {
    static final String DATA = "data";
    static final String OUTPUT = "output";
    static final String PROBE_PREFIX = ".preflight-";
    /** Object stores have no real directories: the probe goes under the output itself, never above it. */
    private static final Set<String> OBJECT_STORES = Set.of("s3a", "s3", "s3n", "gs", "wasb", "wasbs", "abfs", "abfss", "oss", "cosn");
    private static final int PROBE_BYTES = 4096;
    private static final int SHARD_HEAD_BYTES = 64;

    private StorageCheck() {
    }

    /** Each split of {@code dataUri}: its manifest parses, and its first shard can be opened and read. */
    public static Check data(String where, String dataUri, List<String> splits, Configuration conf) {
        String user = user();
        Path root = new Path(dataUri);
        try {
            FileSystem fs = root.getFileSystem(conf);
            if (!fs.exists(root)) {
                return Check.fail(where, DATA, dataUri + " does not exist (as user " + user + ")",
                        "prepare the data first ('prepare --output " + dataUri + "'), or correct --data; the path must be one every"
                                + " executor reaches (hdfs://, s3a://, or a mount shared by all machines)");
            }
            List<String> found = new ArrayList<>();
            for (String split : splits) {
                String splitUri = new Path(root, split).toString();
                SplitManifest manifest;
                try {
                    manifest = SplitManifest.read(splitUri, conf);
                } catch (DataPrepException e) {
                    return Check.fail(where, DATA, e.getMessage() + " (as user " + user + ")",
                            "run 'prepare --output " + dataUri + "' (it writes " + String.join("/ and ", splits) + "/), or rerun an"
                                    + " unfinished prepare with --overwrite, or correct --data");
                }
                if (manifest.shards().isEmpty()) {
                    return Check.fail(where, DATA, splitUri + ": the manifest lists no shards", "prepare the data again");
                }
                Path shard = new Path(splitUri, manifest.shards().get(0));
                try (FSDataInputStream in = fs.open(shard)) {
                    in.readNBytes(SHARD_HEAD_BYTES);
                } catch (IOException e) {
                    return Check.fail(where, DATA, "cannot read " + shard + " (as user " + user + "): " + e.getMessage(),
                            readAdvice(dataUri, user));
                }
                found.add(split + " " + manifest.numExamples() + " examples in " + manifest.shards().size() + " shards");
            }
            return Check.pass(where, DATA, dataUri + " readable (as user " + user + "): " + String.join(", ", found));
        } catch (IOException | UncheckedIOException e) {
            return Check.fail(where, DATA, "cannot read " + dataUri + " (as user " + user + "): " + e.getMessage(), readAdvice(dataUri, user));
        }
    }

    /**
     * Writes a probe file under a temporary name in {@code outputUri} (when it does not exist yet: in the directory the
     * job will create it in, which needs the same right), reads it back and deletes it.
     */
    public static Check output(String where, String outputUri, Configuration conf, String who) {
        String user = user();
        Path output = new Path(outputUri);
        try {
            FileSystem fs = output.getFileSystem(conf);
            Path dir = probeDirectory(fs, output);
            Path probe = new Path(dir, PROBE_PREFIX + who.replaceAll("[^A-Za-z0-9]", "") + "-" + UUID.randomUUID() + ".tmp");
            byte[] written = new byte[PROBE_BYTES];
            new Random().nextBytes(written);
            try {
                try (FSDataOutputStream out = fs.create(probe, false)) {
                    out.write(written);
                }
                byte[] read;
                try (FSDataInputStream in = fs.open(probe)) {
                    read = in.readAllBytes();
                }
                if (!Arrays.equals(written, read)) {
                    return Check.fail(where, OUTPUT, "the probe file " + probe + " read back " + read.length + " bytes that differ from the "
                            + written.length + " written", "check the file system behind " + outputUri);
                }
            } finally {
                if (fs.exists(probe) && !fs.delete(probe, false)) {
                    throw new IOException("cannot delete the probe file " + probe);
                }
            }
            String place = dir.equals(output) ? outputUri : outputUri + " does not exist yet; in " + dir + ", where the job will create it,";
            return Check.pass(where, OUTPUT, place + " wrote, read back and deleted a probe file (as user " + user + ")");
        } catch (IOException | UncheckedIOException | IllegalStateException e) {
            return Check.fail(where, OUTPUT, "cannot write to " + outputUri + " (as user " + user + "): " + e.getMessage(),
                    "give user " + user + " write access to " + outputUri + " (or to the folder it will be created in), or choose"
                            + " another --output that every executor can reach");
        }
    }

    /**
     * A warning when a {@code file:} URI is used while executors run on other machines than the driver: each machine then
     * reads and writes its own disk, which works only when the same files are at the same path everywhere (a shared mount).
     */
    static Check localPathsAcrossHosts(String where, String dataUri, String outputUri, String driverHost, List<String> executorHosts) {
        List<String> local = new ArrayList<>();
        for (String uri : List.of(dataUri, outputUri)) {
            if ("file".equals(new Path(uri).toUri().getScheme())) {
                local.add(uri);
            }
        }
        List<String> others = executorHosts.stream().filter(h -> !h.equals(driverHost)).distinct().toList();
        if (local.isEmpty() || others.isEmpty()) {
            return null;
        }
        return Check.warn(where, "file-paths", String.join(" and ", local) + " name each machine's own disk, and executors run on "
                        + others.size() + " other machine(s) than the driver (" + driverHost + ")",
                "use hdfs://, s3a:// or a folder mounted at the same path on every machine (NFS), so that all read the same data"
                        + " and the driver sees what executors write");
    }

    /** The output itself when it exists (or on an object store), else its nearest existing ancestor. */
    private static Path probeDirectory(FileSystem fs, Path output) throws IOException {
        if (OBJECT_STORES.contains(String.valueOf(fs.getUri().getScheme()))) {
            return output;
        }
        for (Path dir = output; dir != null; dir = dir.getParent()) {
            FileStatus status;
            try {
                status = fs.getFileStatus(dir);
            } catch (FileNotFoundException e) {
                continue;
            }
            if (!status.isDirectory()) {
                throw new IOException(dir + " is a file, not a folder");
            }
            return dir;
        }
        throw new IOException("no folder of " + output + " exists");
    }

    private static String readAdvice(String dataUri, String user) {
        return "give user " + user + " read access to " + dataUri + " and everything under it (executors on YARN may run as"
                + " another user than the driver), or correct --data";
    }

    static String user() {
        try {
            return UserGroupInformation.getCurrentUser().getShortUserName();
        } catch (IOException e) {
            return System.getProperty("user.name");
        }
    }
}
