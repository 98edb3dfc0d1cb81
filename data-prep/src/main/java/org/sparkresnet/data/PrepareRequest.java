package org.sparkresnet.data;

import org.sparkresnet.data.fs.HadoopFiles;

import org.sparkresnet.data.image.ImageDatasetSpec;
import org.sparkresnet.data.image.ImagePreprocessing;

/**
 * What the prepare job should do: read {@code dataset}'s input (IDX files, or an image folder tree) from
 * {@code inputDirUri} and write sharded splits under {@code outputUri} (both Hadoop FS URIs).
 *
 * @param shardSize     examples per shard file (the last shard of a split may hold fewer)
 * @param overwrite     replace existing prepared splits under the output; without it an existing split is an error
 * @param limitPerSplit take only N examples of each split; {@code <= 0} means all. Image datasets take them from all
 *                      classes in turn, so a small try still sees every class
 * @param imageSize     image datasets: side of the stored centre crop; 0 = the dataset's default
 * @param resize        image datasets: shorter side before the crop; 0 = the dataset's default
 * @param skipBad       image datasets: leave out unreadable images and empty class folders (listed in the manifest)
 *                      instead of failing
 */
public record PrepareRequest(String dataset, String inputDirUri, String outputUri, int shardSize, boolean overwrite, long limitPerSplit,
                             int imageSize, int resize, boolean skipBad) {
    public static final int DEFAULT_SHARD_SIZE = 2048;
    /** 512 examples of 3x224x224 are 77 MB: a shard, its decoded minibatches and a second task fit an executor's heap. */
    public static final int DEFAULT_IMAGE_SHARD_SIZE = 512;

    public PrepareRequest {
        boolean image = ImageDatasetSpec.isImageDataset(dataset);
        if (!image) {
            try {
                DatasetSpec.byName(dataset);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown dataset '" + dataset + "', known: " + String.join(", ", knownDatasets()));
            }
        }
        if (inputDirUri == null || inputDirUri.isBlank()) {
            throw new IllegalArgumentException("input directory must be given");
        }
        if (outputUri == null || outputUri.isBlank()) {
            throw new IllegalArgumentException("output URI must be given");
        }
        if (shardSize <= 0) {
            throw new IllegalArgumentException("shard size must be > 0, got " + shardSize);
        }
        if (imageSize < 0 || resize < 0) {
            throw new IllegalArgumentException("image size and resize must be >= 0 (0: the dataset's default), got " + imageSize + " and " + resize);
        }
        if (!image && (imageSize != 0 || resize != 0 || skipBad)) {
            throw new IllegalArgumentException("--image-size, --resize and --skip-bad apply to image datasets ("
                    + String.join(", ", ImageDatasetSpec.knownNames()) + "), not to " + dataset);
        }
        if (image) {
            imagePreprocessing(dataset, imageSize, resize); // fails naming the bad sizes
        }
    }

    /** An IDX dataset request, as before image datasets existed. */
    public PrepareRequest(String dataset, String inputDirUri, String outputUri, int shardSize, boolean overwrite, long limitPerSplit) {
        this(dataset, inputDirUri, outputUri, shardSize, overwrite, limitPerSplit, 0, 0, false);
    }

    public static java.util.List<String> knownDatasets() {
        java.util.List<String> names = new java.util.ArrayList<>(DatasetSpec.knownNames());
        names.addAll(ImageDatasetSpec.knownNames());
        return names;
    }

    public boolean isImageDataset() {
        return ImageDatasetSpec.isImageDataset(dataset);
    }

    /** The IDX dataset's spec. @throws IllegalArgumentException for an image dataset, whose classes come from its files */
    public DatasetSpec spec() {
        return DatasetSpec.byName(dataset);
    }

    public ImageDatasetSpec imageSpec() {
        return ImageDatasetSpec.byName(dataset);
    }

    /** The stored size and resize, the dataset's defaults where not given. */
    public ImagePreprocessing imagePreprocessing() {
        return imagePreprocessing(dataset, imageSize, resize);
    }

    private static ImagePreprocessing imagePreprocessing(String dataset, int imageSize, int resize) {
        ImagePreprocessing defaults = ImageDatasetSpec.byName(dataset).defaults();
        int size = imageSize > 0 ? imageSize : defaults.imageSize();
        // given only a size, keep the default ratio (256/224): resize 0 means "scale like the dataset's default"
        int shorter = resize > 0 ? resize : imageSize > 0 ? (int) Math.round((double) size * defaults.resize() / defaults.imageSize()) : defaults.resize();
        return new ImagePreprocessing(size, shorter);
    }

    /** How many of a split's {@code available} examples to prepare. */
    public int examplesToTake(int available) {
        return limitPerSplit > 0 ? (int) Math.min(limitPerSplit, available) : available;
    }

    /** This request with its input and output qualified on the driver (see {@link HadoopFiles#qualify}). */
    public PrepareRequest qualified(org.apache.hadoop.conf.Configuration conf) {
        return new PrepareRequest(dataset, HadoopFiles.qualify(inputDirUri, conf), HadoopFiles.qualify(outputUri, conf), shardSize,
                overwrite, limitPerSplit, imageSize, resize, skipBad);
    }
}
