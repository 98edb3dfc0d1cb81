package org.sparkresnet.data.image;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.SkippedFile;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Lists an image dataset's input tree on the driver: names and sizes only, one listing call per folder, so it works the
 * same on file:, hdfs:// and s3a://. Layouts understood:
 * <ul>
 *   <li>class folders: {@code train/<class>/*.jpg} and {@code val/<class>/*} (or {@code test/<class>/*}); classes are the
 *       sorted folder names of train/. A tree with no train/ folder is one training split of class folders.</li>
 *   <li>ILSVRC (imagenet only): the same under {@code ILSVRC/Data/CLS-LOC/} if there is no top-level train/; a flat
 *       {@code val/} labelled by {@code LOC_val_solution.csv}; classes and their names from {@code LOC_synset_mapping.txt}.</li>
 * </ul>
 * The held-out split (val/ or test/) is prepared as "test", the name the training job reads.
 */
public final class ImageTreeLister {
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp");
    public static final String SYNSET_MAPPING = "LOC_synset_mapping.txt";
    public static final String VAL_SOLUTION = "LOC_val_solution.csv";
    public static final String ILSVRC_DATA_DIR = "ILSVRC/Data/CLS-LOC";
    public static final String TRAIN = "train";
    public static final String TEST = "test";
    private static final List<String> HELD_OUT_FOLDERS = List.of("val", "test");

    private final FileSystem fs;

    private ImageTreeLister(FileSystem fs) {
        this.fs = fs;
    }

    public static ImageTree list(String inputUri, ImageDatasetSpec spec, Configuration conf) {
        Path input = new Path(inputUri);
        ImageTreeLister lister = new ImageTreeLister(HadoopFiles.fileSystem(input, conf));
        try {
            return lister.listTree(input, spec);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + input + ": " + e.getMessage(), e);
        }
    }

    private ImageTree listTree(Path input, ImageDatasetSpec spec) throws IOException {
        requireDirectory(input);
        Path root = input;
        if (spec.ilsvrcLayout() && !isDirectory(new Path(input, TRAIN)) && isDirectory(new Path(input, ILSVRC_DATA_DIR))) {
            root = new Path(input, ILSVRC_DATA_DIR);
        }
        Path trainDir = new Path(root, TRAIN);
        boolean singleSplit = !isDirectory(trainDir);
        if (singleSplit) {
            if (spec.ilsvrcLayout()) {
                throw new DataPrepException("input " + input + " has no " + TRAIN + "/ folder (looked for " + trainDir + " and "
                        + new Path(input, ILSVRC_DATA_DIR + "/" + TRAIN) + ")");
            }
            trainDir = input; // a user's tree of class folders, all of it for training
        }
        Path mapping = spec.ilsvrcLayout() ? findFile(SYNSET_MAPPING, input, root) : null;
        List<String> classIds;
        List<String> labelNames;
        List<String> trainFolders = subdirectoryNames(trainDir);
        if (mapping != null) {
            Map<String, String> synsets = readSynsetMapping(mapping);
            classIds = List.copyOf(synsets.keySet());
            labelNames = List.copyOf(synsets.values());
            for (String folder : trainFolders) {
                if (!synsets.containsKey(folder)) {
                    throw new DataPrepException(new Path(trainDir, folder) + ": class folder not listed in " + mapping);
                }
            }
        } else {
            classIds = trainFolders;
            labelNames = trainFolders;
        }
        if (classIds.size() < 2) {
            throw new DataPrepException(trainDir + ": need at least 2 class folders, found " + classIds.size() + " " + classIds);
        }
        List<ImageSplitListing> splits = new ArrayList<>();
        splits.add(listClassFolders(TRAIN, trainDir, classIds, true));
        if (!singleSplit) {
            for (String name : HELD_OUT_FOLDERS) {
                Path heldOut = new Path(root, name);
                if (isDirectory(heldOut)) {
                    splits.add(listHeldOut(heldOut, classIds, spec, input, root));
                    break;
                }
            }
        }
        return new ImageTree(classIds, labelNames, splits);
    }

    private ImageSplitListing listHeldOut(Path dir, List<String> classIds, ImageDatasetSpec spec, Path input, Path root) throws IOException {
        if (!subdirectoryNames(dir).isEmpty()) {
            return listClassFolders(TEST, dir, classIds, false);
        }
        Path solution = spec.ilsvrcLayout() ? findFile(VAL_SOLUTION, input, root) : null;
        if (solution == null) {
            throw new DataPrepException(dir + " holds no class folders" + (spec.ilsvrcLayout() ? " and there is no " + VAL_SOLUTION
                    + " in " + input + " to label its images" : ": put each class's images in a folder named after the class"));
        }
        Map<String, Integer> classIndex = indexOf(classIds);
        Map<String, Integer> lineOf = new HashMap<>();
        Map<String, Integer> labels = readValSolution(solution, classIndex, lineOf);
        List<ImageFile> files = new ArrayList<>();
        List<SkippedFile> problems = new ArrayList<>();
        Set<String> found = new HashSet<>();
        int ignored = 0;
        for (FileStatus status : sortedFiles(dir)) {
            String name = status.getPath().getName();
            if (!isImageName(name)) {
                ignored++;
                continue;
            }
            Integer label = labels.get(stripExtension(name));
            found.add(stripExtension(name));
            if (label == null) {
                problems.add(new SkippedFile(status.getPath().toString(), "no label for image id " + stripExtension(name) + " in " + solution));
            } else {
                addFile(status, label, files, problems);
            }
        }
        // A partial download: rows of the solution whose image is not there (in the solution's row order).
        labels.keySet().stream().filter(id -> !found.contains(id)).sorted(Comparator.comparingInt(lineOf::get))
                .forEach(id -> problems.add(new SkippedFile(new Path(dir, id).toString() + ".*",
                        "listed in " + solution + " line " + lineOf.get(id) + " but no image file " + id + ".* is in " + dir)));
        files.sort(Comparator.comparingInt(ImageFile::label)); // stable: by name within a class
        return new ImageSplitListing(TEST, dir.toString(), files, problems, ignored);
    }

    /** Every class folder that exists under {@code dir}; in train/ every class must have one with images. */
    private ImageSplitListing listClassFolders(String split, Path dir, List<String> classIds, boolean everyClassNeeded) throws IOException {
        Map<String, Integer> classIndex = indexOf(classIds);
        List<ImageFile> files = new ArrayList<>();
        List<SkippedFile> problems = new ArrayList<>();
        int ignored = 0;
        List<String> folders = subdirectoryNames(dir);
        for (String folder : folders) {
            if (!classIndex.containsKey(folder)) {
                throw new DataPrepException(new Path(dir, folder) + ": class folder '" + folder + "' is not one of the "
                        + classIds.size() + " training classes");
            }
        }
        for (int label = 0; label < classIds.size(); label++) {
            Path classDir = new Path(dir, classIds.get(label));
            if (!folders.contains(classIds.get(label))) {
                if (everyClassNeeded) {
                    problems.add(new SkippedFile(classDir.toString(), "class folder missing: class " + classIds.get(label) + " has no images"));
                }
                continue;
            }
            int before = files.size();
            for (FileStatus status : sortedFiles(classDir)) {
                if (isImageName(status.getPath().getName())) {
                    addFile(status, label, files, problems);
                } else {
                    ignored++;
                }
            }
            if (files.size() == before && problems.stream().noneMatch(p -> p.file().startsWith(classDir + "/"))) {
                problems.add(new SkippedFile(classDir.toString(), "empty class folder: no image files (" + String.join(", ", sortedExtensions()) + ")"));
            }
        }
        return new ImageSplitListing(split, dir.toString(), files, problems, ignored);
    }

    private static void addFile(FileStatus status, int label, List<ImageFile> files, List<SkippedFile> problems) {
        if (status.getLen() == 0) {
            problems.add(new SkippedFile(status.getPath().toString(), "empty file (0 bytes)"));
        } else {
            files.add(new ImageFile(status.getPath().toString(), label, status.getLen()));
        }
    }

    /** {@code n01440764 tench, Tinca tinca} per line, in class-index order. */
    private Map<String, String> readSynsetMapping(Path file) throws IOException {
        Map<String, String> synsets = new LinkedHashMap<>();
        List<String> lines = readLines(file);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split("\\s+", 2);
            if (synsets.put(parts[0], parts.length > 1 ? parts[1].strip() : parts[0]) != null) {
                throw new DataPrepException(file + ": line " + (i + 1) + ": class " + parts[0] + " is listed twice");
            }
        }
        return synsets;
    }

    /** {@code ImageId,PredictionString} rows; the first token of PredictionString is the image's wnid. */
    private Map<String, Integer> readValSolution(Path file, Map<String, Integer> classIndex, Map<String, Integer> lineOf) throws IOException {
        List<String> lines = readLines(file);
        if (lines.isEmpty() || !lines.get(0).strip().toLowerCase(Locale.ROOT).startsWith("imageid,")) {
            throw new DataPrepException(file + ": expected the header ImageId,PredictionString, found '"
                    + (lines.isEmpty() ? "" : lines.get(0)) + "'");
        }
        Map<String, Integer> labels = new HashMap<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            int comma = line.indexOf(',');
            String[] prediction = comma < 0 ? new String[0] : line.substring(comma + 1).strip().split("\\s+");
            if (comma <= 0 || prediction.length == 0 || prediction[0].isEmpty()) {
                throw new DataPrepException(file + ": line " + (i + 1) + ": expected ImageId,wnid ..., found '" + line + "'");
            }
            Integer label = classIndex.get(prediction[0]);
            if (label == null) {
                throw new DataPrepException(file + ": line " + (i + 1) + ": class " + prediction[0] + " of image "
                        + line.substring(0, comma) + " is not one of the " + classIndex.size() + " training classes");
            }
            labels.put(line.substring(0, comma), label);
            lineOf.put(line.substring(0, comma), i + 1);
        }
        return labels;
    }

    private List<String> readLines(Path file) throws IOException {
        try (FSDataInputStream in = fs.open(file);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines().toList();
        }
    }

    private Path findFile(String name, Path... dirs) throws IOException {
        for (Path dir : dirs) {
            Path candidate = new Path(dir, name);
            if (fs.isFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private void requireDirectory(Path dir) throws IOException {
        try {
            if (!fs.getFileStatus(dir).isDirectory()) {
                throw new DataPrepException("input " + dir + " is not a directory");
            }
        } catch (FileNotFoundException e) {
            throw new DataPrepException("input directory " + dir + " does not exist", e);
        }
    }

    private boolean isDirectory(Path path) throws IOException {
        try {
            return fs.getFileStatus(path).isDirectory();
        } catch (FileNotFoundException e) {
            return false;
        }
    }

    private List<String> subdirectoryNames(Path dir) throws IOException {
        return Arrays.stream(fs.listStatus(dir)).filter(FileStatus::isDirectory).map(s -> s.getPath().getName())
                .filter(name -> !isHidden(name)).sorted().toList();
    }

    private List<FileStatus> sortedFiles(Path dir) throws IOException {
        return Arrays.stream(fs.listStatus(dir)).filter(FileStatus::isFile).filter(s -> !isHidden(s.getPath().getName()))
                .sorted(Comparator.comparing(s -> s.getPath().getName())).toList();
    }

    /** Hadoop's convention: names starting with '.' or '_' are not data (checksums, _SUCCESS, temporary files). */
    private static boolean isHidden(String name) {
        return name.startsWith(".") || name.startsWith("_");
    }

    static boolean isImageName(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static String stripExtension(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static List<String> sortedExtensions() {
        return IMAGE_EXTENSIONS.stream().sorted().map(e -> "." + e).toList();
    }

    private static Map<String, Integer> indexOf(List<String> classIds) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classIds.size(); i++) {
            index.put(classIds.get(i), i);
        }
        return index;
    }
}
