package org.sparkresnet.data.image;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one place for an image dataset's facts: how its input tree is laid out, its normalisation and default
 * preprocessing. Its classes come from the data (folder names, or LOC_synset_mapping.txt), so they are recorded in
 * each prepared split's manifest rather than here.
 *
 * @param ilsvrcLayout also understand the ILSVRC archive: ILSVRC/Data/CLS-LOC/{train,val}, a flat val/ folder labelled
 *                     by LOC_val_solution.csv, class names from LOC_synset_mapping.txt
 * @param mean         per-channel RGB mean on the 0..1 scale, used at read time as (x/255 - mean) / std
 */
public record ImageDatasetSpec(String name, boolean ilsvrcLayout, float[] mean, float[] std, ImagePreprocessing defaults) {
    /** The torchvision / Keras ImageNet statistics, measured on the ILSVRC-2012 training set. */
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};
    private static final ImagePreprocessing IMAGENET_EVAL = new ImagePreprocessing(224, 256);

    public static final ImageDatasetSpec IMAGENET = new ImageDatasetSpec("imagenet", true, IMAGENET_MEAN, IMAGENET_STD, IMAGENET_EVAL);
    /** A user's own photos: ImageNet statistics, since such trees are mostly natural photos (and fine-tuned nets expect them). */
    public static final ImageDatasetSpec FOLDER = new ImageDatasetSpec("folder", false, IMAGENET_MEAN, IMAGENET_STD, IMAGENET_EVAL);

    private static final Map<String, ImageDatasetSpec> KNOWN = known(IMAGENET, FOLDER);

    public ImageDatasetSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(defaults, "defaults");
        if (mean.length != ImagePreprocessing.CHANNELS || std.length != ImagePreprocessing.CHANNELS) {
            throw new IllegalArgumentException(name + ": mean and std need 3 values (RGB), got " + Arrays.toString(mean) + ", " + Arrays.toString(std));
        }
        for (float s : std) {
            if (!(s > 0f)) {
                throw new IllegalArgumentException(name + ": std must be > 0, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    public static boolean isImageDataset(String name) {
        return name != null && KNOWN.containsKey(name.trim().toLowerCase());
    }

    /** @throws IllegalArgumentException naming the known image datasets */
    public static ImageDatasetSpec byName(String name) {
        ImageDatasetSpec spec = name == null ? null : KNOWN.get(name.trim().toLowerCase());
        if (spec == null) {
            throw new IllegalArgumentException("unknown image dataset '" + name + "', known: " + String.join(", ", knownNames()));
        }
        return spec;
    }

    public static List<String> knownNames() {
        return List.copyOf(KNOWN.keySet());
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ImageDatasetSpec that && name.equals(that.name) && ilsvrcLayout == that.ilsvrcLayout
                && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std) && defaults.equals(that.defaults);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, ilsvrcLayout, Arrays.hashCode(mean), Arrays.hashCode(std), defaults);
    }

    @Override
    public String toString() {
        return "ImageDatasetSpec[" + name + ", mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ", " + defaults + "]";
    }

    private static Map<String, ImageDatasetSpec> known(ImageDatasetSpec... specs) {
        Map<String, ImageDatasetSpec> byName = new LinkedHashMap<>();
        for (ImageDatasetSpec spec : specs) {
            byName.put(spec.name(), spec);
        }
        return byName;
    }
}
