package org.sparkresnet.data.idx;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.DataPrepException;
import org.sparkresnet.data.DatasetSpec;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * One split's images and labels IDX files, found in an input directory and checked against each other and against
 * the dataset spec: image size equals the spec's shape, as many images as labels, every label a valid class.
 * The labels (one byte per example) are held in memory; the images stay in their file.
 */
public final class IdxSplitSource {
    private final IdxSplit split;
    private final IdxImagesFile images;
    private final Path labelsFile;
    private final byte[] labels;

    private IdxSplitSource(IdxSplit split, IdxImagesFile images, Path labelsFile, byte[] labels) {
        this.split = split;
        this.images = images;
        this.labelsFile = labelsFile;
        this.labels = labels;
    }

    public static IdxSplitSource open(Path inputDir, IdxSplit split, DatasetSpec spec, Configuration conf) {
        Objects.requireNonNull(spec, "spec");
        Path imagesPath = find(inputDir, split.imagesFileName(), conf);
        Path labelsPath = find(inputDir, split.labelsFileName(), conf);
        IdxImagesFile images = IdxReader.checkImages(imagesPath, conf);
        if (spec.shape().channels() != 1 || images.rows() != spec.shape().height() || images.cols() != spec.shape().width()) {
            throw new DataPrepException(imagesPath + ": wrong image size for " + spec.name() + ": expected " + spec.shape()
                    + ", found 1x" + images.rows() + "x" + images.cols());
        }
        byte[] labels = IdxReader.readLabels(labelsPath, conf, spec.numClasses());
        if (labels.length != images.count()) {
            throw new DataPrepException("count mismatch: " + imagesPath + " holds " + images.count() + " images but "
                    + labelsPath + " holds " + labels.length + " labels");
        }
        return new IdxSplitSource(split, images, labelsPath, labels);
    }

    /**
     * The IDX file {@code name} in {@code dir}, plain or with ".gz" (plain wins if both exist).
     *
     * @throws DataPrepException naming the directory and both names tried if neither exists
     */
    public static Path find(Path dir, String name, Configuration conf) {
        FileSystem fs = HadoopFiles.fileSystem(dir, conf);
        Path plain = new Path(dir, name);
        Path gzipped = new Path(dir, name + IdxSplit.GZIP_SUFFIX);
        try {
            if (!fs.getFileStatus(dir).isDirectory()) {
                throw new DataPrepException("input " + dir + " is not a directory");
            }
            if (fs.isFile(plain)) {
                return plain;
            }
            if (fs.isFile(gzipped)) {
                return gzipped;
            }
        } catch (java.io.FileNotFoundException e) {
            throw new DataPrepException("input directory " + dir + " does not exist", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list input directory " + dir + ": " + e.getMessage(), e);
        }
        throw new DataPrepException("input directory " + dir + " has neither " + name + " nor " + name + IdxSplit.GZIP_SUFFIX);
    }

    public IdxSplit split() {
        return split;
    }

    public IdxImagesFile images() {
        return images;
    }

    public Path labelsFile() {
        return labelsFile;
    }

    public int numExamples() {
        return labels.length;
    }

    /** Class index of example {@code index}. */
    public int label(int index) {
        return Byte.toUnsignedInt(labels[index]);
    }

    /** Labels of examples {@code first .. first+count-1}, one byte (class index) each. */
    public byte[] labels(int first, int count) {
        return java.util.Arrays.copyOfRange(labels, first, first + count);
    }

    /** How many of the first {@code limit} examples each class has. */
    public long[] countsPerClass(int limit, int numClasses) {
        long[] counts = new long[numClasses];
        for (int i = 0; i < limit; i++) {
            counts[label(i)]++;
        }
        return counts;
    }
}
