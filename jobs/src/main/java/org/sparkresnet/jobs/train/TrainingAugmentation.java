package org.sparkresnet.jobs.train;

import org.sparkresnet.data.shard.Augmentation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@code train --augment} applies to the training split as its shards are read (the test split never changes):
 * a new random variation of every image in every epoch, from the one prepared copy.
 */
public enum TrainingAugmentation {
    /** The stored images as they are. */
    NONE("none", null),
    /** Mirrored left-right half of the time (right for clothes and photos, wrong for digits). */
    FLIP("flip", Augmentation.FLIP_ONLY),
    /** torchvision's ImageNet recipe: a random crop of 8-100% of the area, aspect 3/4-4/3, resized back, then the flip. */
    CROP_FLIP("crop-flip", Augmentation.RANDOM_RESIZED_CROP_AND_FLIP);

    private final String flag;
    private final Augmentation augmentation;

    TrainingAugmentation(String flag, Augmentation augmentation) {
        this.flag = flag;
        this.augmentation = augmentation;
    }

    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (TrainingAugmentation a : values()) {
            names.add(a.flag);
        }
        return names;
    }

    public static TrainingAugmentation parse(String name) {
        for (TrainingAugmentation a : values()) {
            if (name != null && a.flag.equals(name.trim().toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new IllegalArgumentException("--augment must be one of " + names() + ", got '" + name + "'");
    }

    public String flag() {
        return flag;
    }

    /** What data-prep's shard reader applies; null for {@link #NONE}. */
    public Augmentation augmentation() {
        return augmentation;
    }
}
