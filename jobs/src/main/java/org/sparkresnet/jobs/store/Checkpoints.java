package org.sparkresnet.jobs.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-epoch checkpoints of a run in {@code <output>/checkpoints/}: {@code epoch-0003.zip} (the network with its
 * updater state) and then {@code epoch-0003.json} ({@link CheckpointMarker}). Both are written atomically and the
 * marker last, so a run killed while checkpointing leaves at worst a zip without a marker, which is ignored.
 */
public final class Checkpoints {
    public static final String DIR = "checkpoints";
    private static final Pattern MARKER = Pattern.compile("epoch-(\\d{4,})\\.json");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;
    private final Configuration conf;

    public Checkpoints(Path outputDir, Configuration conf) {
        this.dir = new Path(outputDir, DIR);
        this.conf = conf;
    }

    /** A complete checkpoint: its marker and the zip the marker vouches for. */
    public record Checkpoint(Path zip, CheckpointMarker marker) {
        public ComputationGraph load(Configuration conf) {
            return ModelStore.load(zip, conf);
        }
    }

    public static String zipName(int epoch) {
        return String.format("epoch-%04d.zip", epoch);
    }

    public static String markerName(int epoch) {
        return String.format("epoch-%04d.json", epoch);
    }

    /** Writes the zip, then the marker naming the zip's length. */
    public Checkpoint write(ComputationGraph net, CheckpointMarker withoutZip) {
        int epoch = withoutZip.epochsDone();
        Path zip = new Path(dir, zipName(epoch));
        ModelStore.save(net, zip, conf, true);
        long bytes = length(zip);
        CheckpointMarker marker = withoutZip.withZip(zip.getName(), bytes);
        HadoopFiles.writeAtomically(new Path(dir, markerName(epoch)), conf, out -> out.write(JSON.writeValueAsBytes(marker)));
        return new Checkpoint(zip, marker);
    }

    /** The newest checkpoint whose marker is readable and whose zip exists with the recorded length. */
    public Optional<Checkpoint> latestComplete() {
        FileSystem fs = HadoopFiles.fileSystem(dir, conf);
        FileStatus[] files;
        try {
            files = fs.listStatus(dir);
        } catch (FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
        }
        Checkpoint newest = null;
        for (FileStatus file : files) {
            Matcher m = MARKER.matcher(file.getPath().getName());
            if (!m.matches() || (newest != null && Integer.parseInt(m.group(1)) <= newest.marker().epochsDone())) {
                continue;
            }
            Optional<Checkpoint> complete = completeCheckpoint(fs, file.getPath());
            if (complete.isPresent()) {
                newest = complete.get();
            }
        }
        return Optional.ofNullable(newest);
    }

    public boolean anyComplete() {
        return latestComplete().isPresent();
    }

    public Path dir() {
        return dir;
    }

    private Optional<Checkpoint> completeCheckpoint(FileSystem fs, Path markerPath) {
        CheckpointMarker marker;
        try (FSDataInputStream in = fs.open(markerPath)) {
            marker = JSON.readValue(in.readAllBytes(), CheckpointMarker.class);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable marker: not a checkpoint to resume from
        }
        Path zip = new Path(dir, marker.zipFile());
        return HadoopFiles.exists(zip, conf) && length(zip) == marker.zipBytes() ? Optional.of(new Checkpoint(zip, marker)) : Optional.empty();
    }

    private long length(Path file) {
        try {
            return HadoopFiles.fileSystem(file, conf).getFileStatus(file).getLen();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + file + ": " + e.getMessage(), e);
        }
    }
}
