package org.sparkresnet.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The manifest.json of one prepared split directory: what the shards hold and which shard files belong to it.
 * The prepare job writes it last and atomically, so a split without it is not (completely) prepared.
 *
 * <p>Format 2 adds what a reader needs without the dataset's spec (class ids, normalisation), what it cost
 * ({@code totalBytes}, {@code bytesPerExample}), how it was made (preprocessing, versions) and what was left out
 * ({@code skipped}). Format 1 manifests still read: their new fields are derived from the dataset's spec.
 */
@JsonPropertyOrder({"formatVersion", "dataset", "split", "source", "numExamples", "countsPerClass", "labelNames", "classIds",
        "shape", "storage", "totalBytes", "bytesPerExample", "shardSize", "shards", "shardCounts", "mean", "std", "preprocessing",
        "skipped", "versions"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class SplitManifest {
    public static final String FILE_NAME = "manifest.json";
    public static final int FORMAT_VERSION = 2;
    private static final int FIRST_FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private final int formatVersion;
    private final String dataset;
    private final String split;
    private final String source;
    private final long numExamples;
    private final long[] countsPerClass;
    private final List<String> labelNames;
    private final List<String> classIds;
    private final InputShape shape;
    private final String storage;
    private final long totalBytes;
    private final long bytesPerExample;
    private final int shardSize;
    private final List<String> shards;
    private final List<Integer> shardCounts;
    private final float[] mean;
    private final float[] std;
    private final Preprocessing preprocessing;
    private final List<SkippedFile> skipped;
    private final Map<String, String> versions;

    /** Every field; format 1 files leave the fields added in format 2 null, and those are derived. */
    @JsonCreator
    public SplitManifest(@JsonProperty("formatVersion") int formatVersion,
                         @JsonProperty("dataset") String dataset,
                         @JsonProperty("split") String split,
                         @JsonProperty("source") String source,
                         @JsonProperty("numExamples") long numExamples,
                         @JsonProperty("countsPerClass") long[] countsPerClass,
                         @JsonProperty("labelNames") List<String> labelNames,
                         @JsonProperty("classIds") List<String> classIds,
                         @JsonProperty("shape") InputShape shape,
                         @JsonProperty("storage") String storage,
                         @JsonProperty("totalBytes") Long totalBytes,
                         @JsonProperty("bytesPerExample") Long bytesPerExample,
                         @JsonProperty("shardSize") int shardSize,
                         @JsonProperty("shards") List<String> shards,
                         @JsonProperty("shardCounts") List<Integer> shardCounts,
                         @JsonProperty("mean") float[] mean,
                         @JsonProperty("std") float[] std,
                         @JsonProperty("preprocessing") Preprocessing preprocessing,
                         @JsonProperty("skipped") List<SkippedFile> skipped,
                         @JsonProperty("versions") Map<String, String> versions) {
        if (formatVersion != FORMAT_VERSION && formatVersion != FIRST_FORMAT_VERSION) {
            throw new IllegalArgumentException("manifest format version " + formatVersion + " is not supported, expected "
                    + FIRST_FORMAT_VERSION + " or " + FORMAT_VERSION);
        }
        boolean current = formatVersion == FORMAT_VERSION;
        this.formatVersion = formatVersion;
        this.dataset = requireText(dataset, "dataset");
        this.split = requireText(split, "split");
        this.source = source;
        this.labelNames = List.copyOf(Objects.requireNonNull(labelNames, "labelNames"));
        this.classIds = List.copyOf(current ? required(classIds, "classIds") : labelNames);
        this.countsPerClass = Objects.requireNonNull(countsPerClass, "countsPerClass").clone();
        this.shape = Objects.requireNonNull(shape, "shape");
        this.storage = requireText(storage, "storage");
        this.shards = List.copyOf(Objects.requireNonNull(shards, "shards"));
        this.numExamples = numExamples;
        this.shardSize = shardSize;
        if (shardSize <= 0) {
            throw new IllegalArgumentException("shardSize must be > 0, got " + shardSize);
        }
        this.shardCounts = List.copyOf(current ? required(shardCounts, "shardCounts") : fullShards(numExamples, shardSize));
        this.totalBytes = current ? required(totalBytes, "totalBytes") : 0;
        this.bytesPerExample = current ? required(bytesPerExample, "bytesPerExample") : 0;
        DatasetSpec legacySpec = current ? null : DatasetSpec.byName(dataset);
        this.mean = (current ? required(mean, "mean") : legacySpec.mean()).clone();
        this.std = (current ? required(std, "std") : legacySpec.std()).clone();
        this.preprocessing = current ? required(preprocessing, "preprocessing") : Preprocessing.IDX_AS_STORED;
        this.skipped = List.copyOf(skipped == null ? List.of() : skipped);
        this.versions = Map.copyOf(versions == null ? Map.of() : versions);
        validate();
    }

    /** A format 1 manifest (as older jobs wrote it); fields of format 2 are derived from the dataset's spec. */
    public SplitManifest(int formatVersion, String dataset, String split, long numExamples, long[] countsPerClass,
                         List<String> labelNames, InputShape shape, String storage, int shardSize, List<String> shards) {
        this(formatVersion, dataset, split, null, numExamples, countsPerClass, labelNames, null, shape, storage, null, null,
                shardSize, shards, null, null, null, null, null, null);
    }

    /**
     * A current-format manifest.
     *
     * @param totalBytes   bytes of all shard files together; bytesPerExample is derived from it (rounded up)
     */
    public static SplitManifest of(String dataset, String split, String source, long[] countsPerClass, List<String> labelNames,
                                   List<String> classIds, InputShape shape, long totalBytes, int shardSize, List<String> shards,
                                   List<Integer> shardCounts, float[] mean, float[] std, Preprocessing preprocessing,
                                   List<SkippedFile> skipped, Map<String, String> versions) {
        long numExamples = Arrays.stream(countsPerClass).sum();
        long perExample = numExamples == 0 ? 0 : (totalBytes + numExamples - 1) / numExamples;
        return new SplitManifest(FORMAT_VERSION, dataset, split, source, numExamples, countsPerClass, labelNames, classIds, shape,
                ShardFormat.STORAGE, totalBytes, perExample, shardSize, shards, shardCounts, mean, std, preprocessing, skipped, versions);
    }

    /** An IDX dataset's manifest: classes, normalisation and preprocessing from its spec, every shard full but the last. */
    public static SplitManifest of(String dataset, String split, long[] countsPerClass, List<String> labelNames,
                                   InputShape shape, int shardSize, List<String> shards) {
        DatasetSpec spec = DatasetSpec.byName(dataset);
        return of(dataset, split, null, countsPerClass, labelNames, labelNames, shape, 0, shardSize, shards,
                fullShards(Arrays.stream(countsPerClass).sum(), shardSize), spec.mean(), spec.std(), Preprocessing.IDX_AS_STORED,
                List.of(), Map.of());
    }

    private void validate() {
        if (!ShardFormat.STORAGE.equals(storage)) {
            throw new IllegalArgumentException("storage '" + storage + "' is not supported, expected " + ShardFormat.STORAGE);
        }
        if (countsPerClass.length != labelNames.size() || classIds.size() != labelNames.size()) {
            throw new IllegalArgumentException("countsPerClass has " + countsPerClass.length + " entries and classIds " + classIds.size()
                    + " but there are " + labelNames.size() + " label names");
        }
        if (Arrays.stream(countsPerClass).sum() != numExamples || numExamples < 0) {
            throw new IllegalArgumentException("countsPerClass " + Arrays.toString(countsPerClass) + " does not add up to numExamples " + numExamples);
        }
        if (formatVersion == FIRST_FORMAT_VERSION) {
            long expectedShards = (numExamples + shardSize - 1) / shardSize;
            if (shards.size() != expectedShards) {
                throw new IllegalArgumentException(numExamples + " examples in shards of " + shardSize + " need " + expectedShards
                        + " shard files, the manifest lists " + shards.size());
            }
        }
        if (shardCounts.size() != shards.size()) {
            throw new IllegalArgumentException(shards.size() + " shards but " + shardCounts.size() + " shard counts");
        }
        long inShards = 0;
        for (int i = 0; i < shardCounts.size(); i++) {
            int count = shardCounts.get(i);
            if (count < 1 || count > shardSize) {
                throw new IllegalArgumentException("shard " + shards.get(i) + " holds " + count + " examples, expected 1.." + shardSize);
            }
            inShards += count;
        }
        if (inShards != numExamples) {
            throw new IllegalArgumentException("shards hold " + inShards + " examples, numExamples is " + numExamples);
        }
        if (mean.length != shape.channels() || std.length != shape.channels()) {
            throw new IllegalArgumentException("mean and std need one value per channel (" + shape.channels() + "), got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        if (totalBytes < 0 || bytesPerExample < 0 || bytesPerExample * numExamples < totalBytes) {
            throw new IllegalArgumentException("bytesPerExample " + bytesPerExample + " times " + numExamples
                    + " examples does not cover totalBytes " + totalBytes);
        }
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

    /**
     * This split's dataset facts (shape, classes, normalisation), taken from the manifest itself, so that datasets
     * whose classes come from the data (image folders) read like the built-in ones.
     */
    @JsonIgnore
    public DatasetSpec spec() {
        return new DatasetSpec(dataset, shape, labelNames, mean, std);
    }

    @JsonIgnore
    public int numClasses() {
        return labelNames.size();
    }

    /** What {@code examples} examples stored like these cost on disk: bytesPerExample times the count. */
    public long bytesFor(long examples) {
        return Math.multiplyExact(bytesPerExample, examples);
    }

    @JsonProperty public int formatVersion() { return formatVersion; }
    @JsonProperty public String dataset() { return dataset; }
    @JsonProperty public String split() { return split; }
    /** The input folder this split was prepared from (null in format 1). */
    @JsonProperty public String source() { return source; }
    @JsonProperty public long numExamples() { return numExamples; }
    @JsonProperty public long[] countsPerClass() { return countsPerClass.clone(); }
    /** Class names for people, in class-index order. */
    @JsonProperty public List<String> labelNames() { return labelNames; }
    /** Class identifiers (ImageNet wnids, folder names), in class-index order. */
    @JsonProperty public List<String> classIds() { return classIds; }
    @JsonProperty public InputShape shape() { return shape; }
    /** How pixels are stored in the shards: "uint8". */
    @JsonProperty public String storage() { return storage; }
    /** Bytes of all shard files together (0 if not recorded, format 1). */
    @JsonProperty public long totalBytes() { return totalBytes; }
    /** totalBytes / numExamples rounded up: pixels, label and each shard's share of file headers (0 if not recorded). */
    @JsonProperty public long bytesPerExample() { return bytesPerExample; }
    /** Examples per shard; a shard holds fewer only if it is the last or --skip-bad left files out of it. */
    @JsonProperty public int shardSize() { return shardSize; }
    /** Shard file names, relative to the split directory, in example order. */
    @JsonProperty public List<String> shards() { return shards; }
    @JsonProperty public List<Integer> shardCounts() { return shardCounts; }
    /** Per-channel mean on the 0..1 scale; readers normalise (x/255 - mean) / std. */
    @JsonProperty public float[] mean() { return mean.clone(); }
    @JsonProperty public float[] std() { return std.clone(); }
    @JsonProperty public Preprocessing preprocessing() { return preprocessing; }
    /** Inputs left out under --skip-bad, each with its reason. */
    @JsonProperty public List<SkippedFile> skipped() { return skipped; }
    /** Versions of the software that prepared the split (data-prep, Spark, OpenCV, Java). */
    @JsonProperty public Map<String, String> versions() { return new TreeMap<>(versions); }

    @Override
    public boolean equals(Object other) {
        return other instanceof SplitManifest that && formatVersion == that.formatVersion && dataset.equals(that.dataset)
                && split.equals(that.split) && Objects.equals(source, that.source) && numExamples == that.numExamples
                && Arrays.equals(countsPerClass, that.countsPerClass) && labelNames.equals(that.labelNames)
                && classIds.equals(that.classIds) && shape.equals(that.shape) && storage.equals(that.storage)
                && totalBytes == that.totalBytes && bytesPerExample == that.bytesPerExample && shardSize == that.shardSize
                && shards.equals(that.shards) && shardCounts.equals(that.shardCounts) && Arrays.equals(mean, that.mean)
                && Arrays.equals(std, that.std) && preprocessing.equals(that.preprocessing) && skipped.equals(that.skipped)
                && versions.equals(that.versions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dataset, split, numExamples, shape, shards);
    }

    @Override
    public String toString() {
        return "SplitManifest[" + dataset + "/" + split + ", " + numExamples + " examples of " + shape + " in "
                + shards.size() + " shards, " + bytesPerExample + " bytes per example]";
    }

    private static List<Integer> fullShards(long numExamples, int shardSize) {
        List<Integer> counts = new ArrayList<>();
        for (long left = numExamples; left > 0; left -= shardSize) {
            counts.add((int) Math.min(shardSize, left));
        }
        return counts;
    }

    private static <T> T required(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException("format " + FORMAT_VERSION + " manifest needs " + name);
        }
        return value;
    }

    private static String requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }
}
