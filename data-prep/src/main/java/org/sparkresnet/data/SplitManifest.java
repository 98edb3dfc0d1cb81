package org.sparkresnet.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.shard.ShardFormat;
import org.sparkresnet.model.InputShape;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The manifest.json of one prepared split directory: what the shards hold and which shard files belong to it.
 * The prepare job writes it last and atomically, so a split without it is not (completely) prepared.
 */
@JsonPropertyOrder({"formatVersion", "dataset", "split", "numExamples", "countsPerClass", "labelNames", "shape",
        "storage", "shardSize", "shards"})
public final class SplitManifest {
    public static final String FILE_NAME = "manifest.json";
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    private final int formatVersion;
    private final String dataset;
    private final String split;
    private final long numExamples;
    private final long[] countsPerClass;
    private final List<String> labelNames;
    private final InputShape shape;
    private final String storage;
    private final int shardSize;
    private final List<String> shards;

    @JsonCreator
    public SplitManifest(@JsonProperty("formatVersion") int formatVersion,
                         @JsonProperty("dataset") String dataset,
                         @JsonProperty("split") String split,
                         @JsonProperty("numExamples") long numExamples,
                         @JsonProperty("countsPerClass") long[] countsPerClass,
                         @JsonProperty("labelNames") List<String> labelNames,
                         @JsonProperty("shape") InputShape shape,
                         @JsonProperty("storage") String storage,
                         @JsonProperty("shardSize") int shardSize,
                         @JsonProperty("shards") List<String> shards) {
        if (formatVersion != FORMAT_VERSION) {
            throw new IllegalArgumentException("manifest format version " + formatVersion + " is not supported, expected " + FORMAT_VERSION);
        }
        this.formatVersion = formatVersion;
        this.dataset = requireText(dataset, "dataset");
        this.split = requireText(split, "split");
        this.labelNames = List.copyOf(Objects.requireNonNull(labelNames, "labelNames"));
        this.countsPerClass = Objects.requireNonNull(countsPerClass, "countsPerClass").clone();
        this.shape = Objects.requireNonNull(shape, "shape");
        this.storage = requireText(storage, "storage");
        this.shards = List.copyOf(Objects.requireNonNull(shards, "shards"));
        this.numExamples = numExamples;
        this.shardSize = shardSize;
        if (!ShardFormat.STORAGE.equals(storage)) {
            throw new IllegalArgumentException("storage '" + storage + "' is not supported, expected " + ShardFormat.STORAGE);
        }
        if (countsPerClass.length != this.labelNames.size()) {
            throw new IllegalArgumentException("countsPerClass has " + countsPerClass.length + " entries but there are "
                    + this.labelNames.size() + " label names");
        }
        if (Arrays.stream(countsPerClass).sum() != numExamples || numExamples < 0) {
            throw new IllegalArgumentException("countsPerClass " + Arrays.toString(countsPerClass) + " does not add up to numExamples " + numExamples);
        }
        if (shardSize <= 0) {
            throw new IllegalArgumentException("shardSize must be > 0, got " + shardSize);
        }
        long expectedShards = (numExamples + shardSize - 1) / shardSize;
        if (this.shards.size() != expectedShards) {
            throw new IllegalArgumentException(numExamples + " examples in shards of " + shardSize + " need " + expectedShards
                    + " shard files, the manifest lists " + this.shards.size());
        }
    }

    /** A manifest for the current format version. */
    public static SplitManifest of(String dataset, String split, long[] countsPerClass, List<String> labelNames,
                                   InputShape shape, int shardSize, List<String> shards) {
        return new SplitManifest(FORMAT_VERSION, dataset, split, Arrays.stream(countsPerClass).sum(), countsPerClass, labelNames,
                shape, ShardFormat.STORAGE, shardSize, shards);
    }

    /**
     * Reads the manifest of a prepared split directory.
     *
     * @throws DataPrepException naming the directory if there is no manifest (not prepared, or preparation did not
     *                           finish) or it is malformed
     */
    public static SplitManifest read(String splitDirUri, Configuration conf) {
        Path file = new Path(splitDirUri, FILE_NAME);
        FileSystem fs = HadoopFiles.fileSystem(file, conf);
        byte[] content;
        try (FSDataInputStream in = fs.open(file)) {
            content = in.readAllBytes();
        } catch (FileNotFoundException e) {
            throw new DataPrepException("no " + FILE_NAME + " in " + splitDirUri + ": not a prepared split, or preparation did not finish", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return fromJson(new String(content, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new DataPrepException("malformed " + FILE_NAME + " in " + splitDirUri + ": " + e.getMessage(), e);
        }
    }

    /** Writes this manifest into {@code splitDir} atomically (temporary name, then rename). */
    public void write(Path splitDir, Configuration conf) throws IOException {
        Path file = new Path(splitDir, FILE_NAME);
        byte[] content = toJson().getBytes(StandardCharsets.UTF_8);
        HadoopFiles.writeAtomically(HadoopFiles.fileSystem(file, conf), file, out -> out.write(content));
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write manifest as JSON", e);
        }
    }

    /** @throws IllegalArgumentException with the parser's or validation's message if the JSON is not a valid manifest */
    public static SplitManifest fromJson(String json) {
        try {
            return JSON.readValue(json, SplitManifest.class);
        } catch (JsonProcessingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            throw new IllegalArgumentException(cause instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : cause.getMessage(), e);
        }
    }

    /** The spec of the dataset this split belongs to (normalisation, class names). */
    @JsonIgnore
    public DatasetSpec spec() {
        return DatasetSpec.byName(dataset);
    }

    @JsonIgnore
    public int numClasses() {
        return labelNames.size();
    }

    @JsonProperty public int formatVersion() { return formatVersion; }
    @JsonProperty public String dataset() { return dataset; }
    @JsonProperty public String split() { return split; }
    @JsonProperty public long numExamples() { return numExamples; }
    @JsonProperty public long[] countsPerClass() { return countsPerClass.clone(); }
    @JsonProperty public List<String> labelNames() { return labelNames; }
    @JsonProperty public InputShape shape() { return shape; }
    /** How pixels are stored in the shards: "uint8". */
    @JsonProperty public String storage() { return storage; }
    @JsonProperty public int shardSize() { return shardSize; }
    /** Shard file names, relative to the split directory, in example order. */
    @JsonProperty public List<String> shards() { return shards; }

    @Override
    public boolean equals(Object other) {
        return other instanceof SplitManifest that && formatVersion == that.formatVersion && dataset.equals(that.dataset)
                && split.equals(that.split) && numExamples == that.numExamples && Arrays.equals(countsPerClass, that.countsPerClass)
                && labelNames.equals(that.labelNames) && shape.equals(that.shape) && storage.equals(that.storage)
                && shardSize == that.shardSize && shards.equals(that.shards);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dataset, split, numExamples, shape, shards);
    }

    @Override
    public String toString() {
        return "SplitManifest[" + dataset + "/" + split + ", " + numExamples + " examples of " + shape + " in "
                + shards.size() + " shards]";
    }

    private static String requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }
}
