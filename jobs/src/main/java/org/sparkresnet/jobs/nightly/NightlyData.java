package org.sparkresnet.jobs.nightly;

import org.sparkresnet.data.fs.SmallFiles;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.PrepareJob;
import org.sparkresnet.data.PrepareRequest;
import org.sparkresnet.data.SkippedFile;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.data.image.ImageFile;
import org.sparkresnet.data.image.ImageSplitListing;
import org.sparkresnet.data.image.ImageTree;
import org.sparkresnet.data.image.ImageTreeLister;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The data stage of a night: the date's dataset in {@code ATTEMPT/data/{train,test}/}, as manifests that name shard
 * files under {@code ROOT/shards/BATCH/} (relative references, see {@link RunLayout#shardReference}).
 *
 * <p>Image folders (folder, imagenet) grow: a date prepares only the files that the newest completed earlier date did
 * not, into a new batch, and its manifests list the earlier date's shards and then the new ones. That is sound only
 * when every file prepared before is still there, in the same split, with the same class and length, and the classes
 * and image sizes are the same (a shard cannot drop an example, and labels are class indices); otherwise the whole
 * input is prepared again, and the summary says why. A file changed in place with the same length is not noticed
 * (the listing has names and lengths, no checksums). IDX datasets are prepared whole every night.
 *
 * <p>{@code data/files.tsv.gz} lists what the date's dataset holds (split, class, length, URI per line) for the next
 * date to compare against; {@code data/prepared.json}, written last, marks the stage done and names the batches.
 */
final class NightlyData {
    static final String PREPARED = "prepared.json";
    static final String FILES = "files.tsv.gz";
    static final List<String> SPLITS = List.of("train", "test");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What the stage produced: how (incremental, full, reused), why, and how many images it decoded. */
    record Prepared(String dataUri, String mode, String reason, long newImages, long trainImages, long testImages, List<String> batches) {
    }

    /** The data stage's record (data/prepared.json). */
    record Record(int formatVersion, String dataset, String input, int imageSize, int resize, List<String> classIds,
                  List<String> batches, String mode, String reason, long newImages, long trainImages, long testImages, String files) {
    }

    private final JavaSparkContext sc;
    private final Configuration conf;
    private final SmallFiles files;
    private final RunLayout layout;
    private final NightlySettings settings;
    private final Consumer<String> log;

    NightlyData(JavaSparkContext sc, SmallFiles files, RunLayout layout, NightlySettings settings, Consumer<String> log) {
        this.sc = sc;
        this.conf = sc.hadoopConfiguration();
        this.files = files;
        this.layout = layout;
        this.settings = settings;
        this.log = log;
    }

    static Optional<Record> readRecord(SmallFiles files, Path attemptDir) throws IOException {
        Optional<String> content = files.read(new Path(new Path(attemptDir, "data"), PREPARED));
        return content.isEmpty() ? Optional.empty() : Optional.of(JSON.readValue(content.get(), Record.class));
    }

    /** The attempt's dataset: reused when its stage is done, else prepared (incrementally where sound). */
    Prepared prepare(Path attemptDir, LocalDate date) throws IOException {
        Path data = new Path(attemptDir, "data");
        Optional<Record> done = readRecord(files, attemptDir);
        if (done.isPresent()) {
            Record r = done.get();
            log.accept("data: reusing " + data + " (prepared by this attempt before it stopped)");
            return new Prepared(data.toString(), "reused", "the attempt's data stage was done: " + r.mode(), 0, r.trainImages(), r.testImages(), r.batches());
        }
        files.delete(data, true); // what an interrupted data stage left: never mixed with this one
        String batch = date + "-" + UUID.randomUUID().toString().substring(0, 8);
        Path batchDir = layout.batch(batch);
        if (!settings.imageDataset()) {
            log.accept("data: preparing " + settings.dataset() + " from " + settings.input() + " (IDX datasets are prepared whole)");
            PrepareJob.run(sc, settings.prepareRequest(batchDir.toString()), log);
            return compose(data, List.of(), List.of(batch), "full", "IDX datasets are prepared whole every night",
                    null, null);
        }
        PrepareRequest request = settings.prepareRequest(batchDir.toString());
        ImageTree tree = ImageTreeLister.list(request.inputDirUri(), request.imageSpec(), conf);
        if (tree.splits().stream().noneMatch(s -> s.split().equals("test"))) {
            throw new DataPrepException("input " + settings.input() + " has no held-out split (val/ or test/ next to train/):"
                    + " the nightly quality gate needs one");
        }
        Basis basis = basis(date, request, tree);
        ImageTree toPrepare = basis.previous == null ? tree : basis.delta(tree);
        long newImages = toPrepare.splits().stream().mapToLong(s -> s.files().size()).sum();
        List<String> batches = new ArrayList<>(basis.previous == null ? List.of() : basis.previous.batches());
        if (newImages > 0 || basis.previous == null) {
            log.accept(String.format("data: preparing %,d %s images into %s (%s)", newImages, basis.previous == null ? "" : "new",
                    batchDir, basis.reason));
            PrepareJob.runImages(sc, request, toPrepare, log);
            batches.add(batch);
        } else {
            log.accept("data: no new images since dt=" + basis.previousDate + "; the date's dataset is that date's");
        }
        return compose(data, basis.previous == null ? List.of() : List.of(basis.previousData), newImages > 0 || basis.previous == null
                ? List.of(batch) : List.of(), basis.previous == null ? "full" : "incremental", basis.reason, tree, newImages);
    }

    /** The newest completed earlier date's data, if this date can build on it; the reason either way. */
    private final class Basis {
        Record previous;
        Path previousData;
        LocalDate previousDate;
        String reason;
        Map<String, Map<String, ImageFile>> prepared; // split -> uri -> file

        ImageTree delta(ImageTree tree) {
            List<ImageSplitListing> splits = new ArrayList<>();
            for (ImageSplitListing listing : tree.splits()) {
                Map<String, ImageFile> before = prepared.getOrDefault(listing.split(), Map.of());
                splits.add(new ImageSplitListing(listing.split(), listing.sourceUri(),
                        listing.files().stream().filter(f -> !before.containsKey(f.uri())).toList(), listing.problems(), listing.ignoredFiles()));
            }
            return new ImageTree(tree.classIds(), tree.labelNames(), splits);
        }
    }

    private Basis basis(LocalDate date, PrepareRequest request, ImageTree tree) throws IOException {
        Basis basis = new Basis();
        Optional<Completed> earlier = Completed.newestBefore(files, layout, date);
        if (earlier.isEmpty()) {
            basis.reason = "no completed earlier date to build on";
            return basis;
        }
        Path attemptDir = layout.attempt(earlier.get().date(), earlier.get().attempt());
        Optional<Record> record = readRecord(files, attemptDir);
        String from = "dt=" + earlier.get().date();
        if (record.isEmpty() || record.get().files() == null) {
            basis.reason = "whole input: " + from + " kept no file listing";
            return basis;
        }
        Record r = record.get();
        if (!r.dataset().equals(request.dataset()) || !r.input().equals(request.inputDirUri())
                || r.imageSize() != request.imagePreprocessing().imageSize() || r.resize() != request.imagePreprocessing().resize()) {
            basis.reason = "whole input: " + from + " was prepared from " + r.dataset() + " " + r.input() + " at " + r.imageSize() + "/"
                    + r.resize() + ", this run asks for " + request.dataset() + " " + request.inputDirUri() + " at "
                    + request.imagePreprocessing().imageSize() + "/" + request.imagePreprocessing().resize();
            return basis;
        }
        if (!r.classIds().equals(tree.classIds())) {
            basis.reason = "whole input: the classes changed since " + from + " (" + r.classIds().size() + " then, " + tree.classIds().size() + " now)";
            return basis;
        }
        Map<String, Map<String, ImageFile>> now = new HashMap<>();
        for (ImageSplitListing listing : tree.splits()) {
            Map<String, ImageFile> byUri = new HashMap<>();
            listing.files().forEach(f -> byUri.put(f.uri(), f));
            now.put(listing.split(), byUri);
        }
        Map<String, Map<String, ImageFile>> before = readListing(new Path(new Path(attemptDir, "data"), FILES));
        long gone = 0;
        String example = null;
        for (Map.Entry<String, Map<String, ImageFile>> split : before.entrySet()) {
            for (ImageFile old : split.getValue().values()) {
                ImageFile current = now.getOrDefault(split.getKey(), Map.of()).get(old.uri());
                if (current == null || current.label() != old.label() || current.length() != old.length()) {
                    gone++;
                    if (example == null) {
                        example = old.uri() + (current == null ? " is gone" : " changed");
                    }
                }
            }
        }
        if (gone > 0) {
            basis.reason = String.format("whole input: %,d of the images prepared for %s changed or disappeared (e.g. %s)", gone, from, example);
            return basis;
        }
        basis.previous = r;
        basis.previousData = new Path(attemptDir, "data");
        basis.previousDate = earlier.get().date();
        basis.prepared = before;
        basis.reason = "only the images added since " + from;
        return basis;
    }

    /**
     * Writes the date's manifests (every shard of {@code earlierData}'s manifests, then the new batches'), the file
     * listing and, last, prepared.json.
     */
    private Prepared compose(Path data, List<Path> earlierData, List<String> newBatches, String mode, String reason, ImageTree tree,
                             Long newImagesOrNull) throws IOException {
        long[] sizes = new long[2];
        List<String> batches = new ArrayList<>();
        for (Path earlier : earlierData) {
            readRecordAt(earlier).ifPresent(r -> batches.addAll(r.batches()));
        }
        batches.addAll(newBatches);
        SplitManifest trainManifest = null;
        for (int s = 0; s < SPLITS.size(); s++) {
            String split = SPLITS.get(s);
            List<SplitManifest> parts = new ArrayList<>();
            List<String> prefixes = new ArrayList<>();
            for (Path earlier : earlierData) {
                parts.add(SplitManifest.read(new Path(earlier, split).toString(), conf));
                prefixes.add(null); // already relative to a date's split folder
            }
            for (String batch : newBatches) {
                parts.add(SplitManifest.read(new Path(layout.batch(batch), split).toString(), conf));
                prefixes.add(batch);
            }
            SplitManifest combined = combine(parts, prefixes, split);
            combined.write(new Path(data, split), conf);
            sizes[s] = combined.numExamples();
            if (s == 0) {
                trainManifest = combined;
            }
        }
        String listing = null;
        if (tree != null) {
            listing = FILES;
            writeListing(new Path(data, FILES), tree, batches, data);
        }
        long newImages = newImagesOrNull != null ? newImagesOrNull : sizes[0] + sizes[1];
        PrepareRequest request = settings.prepareRequest("unused").qualified(conf);
        Record record = new Record(1, request.dataset(), request.inputDirUri(),
                request.isImageDataset() ? request.imagePreprocessing().imageSize() : 0,
                request.isImageDataset() ? request.imagePreprocessing().resize() : 0,
                trainManifest.classIds(), batches, mode, reason, newImages, sizes[0], sizes[1], listing);
        files.replace(new Path(data, PREPARED), JSON.writeValueAsString(record));
        log.accept(String.format("data: %s: %,d training and %,d test images (%,d newly prepared) in %s", mode, sizes[0], sizes[1], newImages, data));
        return new Prepared(data.toString(), mode, reason, newImages, sizes[0], sizes[1], batches);
    }

    private Optional<Record> readRecordAt(Path data) {
        try {
            Optional<String> content = files.read(new Path(data, PREPARED));
            return content.isEmpty() ? Optional.empty() : Optional.of(JSON.readValue(content.get(), Record.class));
        } catch (IOException e) {
            throw SmallFiles.unchecked("cannot read " + new Path(data, PREPARED), e);
        }
    }

    /** One manifest over the parts' shards; a part from a batch gets its shard names made relative to a date's split folder. */
    static SplitManifest combine(List<SplitManifest> parts, List<String> batchOfPart, String split) {
        SplitManifest first = parts.get(0);
        long[] counts = new long[first.numClasses()];
        List<String> shards = new ArrayList<>();
        List<Integer> shardCounts = new ArrayList<>();
        Map<String, SkippedFile> skipped = new LinkedHashMap<>();
        long bytes = 0;
        int shardSize = 1;
        for (int p = 0; p < parts.size(); p++) {
            SplitManifest part = parts.get(p);
            if (!part.classIds().equals(first.classIds()) || !part.shape().equals(first.shape())) {
                throw new IllegalStateException("cannot combine " + part + " with " + first + ": other classes or shape");
            }
            long[] partCounts = part.countsPerClass();
            for (int c = 0; c < counts.length; c++) {
                counts[c] += partCounts[c];
            }
            for (String shard : part.shards()) {
                shards.add(batchOfPart.get(p) == null ? shard : RunLayout.shardReference(batchOfPart.get(p), split, shard));
            }
            shardCounts.addAll(part.shardCounts());
            part.skipped().forEach(f -> skipped.put(f.file(), f));
            bytes += part.totalBytes();
            shardSize = Math.max(shardSize, part.shardSize());
        }
        SplitManifest last = parts.get(parts.size() - 1);
        return SplitManifest.of(first.dataset(), split, last.source(), counts, first.labelNames(), first.classIds(), first.shape(), bytes,
                shardSize, shards, shardCounts, first.mean(), first.std(), first.preprocessing(), List.copyOf(skipped.values()), last.versions());
    }

    /** split, class, length, URI per line, for every file the date's dataset holds (those --skip-bad left out excepted). */
    private void writeListing(Path file, ImageTree tree, List<String> batches, Path data) throws IOException {
        Set<String> skipped = new HashSet<>();
        for (String split : SPLITS) {
            SplitManifest.read(new Path(data, split).toString(), conf).skipped().forEach(f -> skipped.add(f.file()));
        }
        HadoopFiles.writeAtomically(file, conf, out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(out), StandardCharsets.UTF_8));
            for (ImageSplitListing listing : tree.splits()) {
                for (ImageFile f : listing.files()) {
                    if (!skipped.contains(f.uri())) {
                        writer.write(listing.split() + "\t" + f.label() + "\t" + f.length() + "\t" + f.uri() + "\n");
                    }
                }
            }
            writer.flush();
            writer.close(); // finishes the gzip stream; HadoopFiles ignores the inner close
        });
    }

    private Map<String, Map<String, ImageFile>> readListing(Path file) throws IOException {
        Map<String, Map<String, ImageFile>> listing = new HashMap<>();
        FileSystem fs = HadoopFiles.fileSystem(file, conf);
        try (FSDataInputStream in = fs.open(file);
             BufferedReader reader = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String[] parts = line.split("\t", 4);
                if (parts.length != 4) {
                    throw new IOException(file + ": malformed line '" + line + "'");
                }
                listing.computeIfAbsent(parts[0], k -> new HashMap<>())
                        .put(parts[3], new ImageFile(parts[3], Integer.parseInt(parts[1]), Long.parseLong(parts[2])));
            }
        }
        return listing;
    }
}
