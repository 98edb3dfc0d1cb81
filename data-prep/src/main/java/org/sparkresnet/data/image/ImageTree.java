package org.sparkresnet.data.image;

import java.util.List;
import java.util.Objects;

/**
 * A listed image dataset: its classes and the files of each split.
 *
 * @param classIds   folder names (ImageNet wnids such as n01440764), in class-index order
 * @param labelNames what people call the classes: LOC_synset_mapping.txt's text, else the folder names
 */
public record ImageTree(List<String> classIds, List<String> labelNames, List<ImageSplitListing> splits) {
    public ImageTree {
        classIds = List.copyOf(classIds);
        labelNames = List.copyOf(labelNames);
        splits = List.copyOf(splits);
        if (classIds.size() != labelNames.size()) {
            throw new IllegalArgumentException(classIds.size() + " class ids but " + labelNames.size() + " label names");
        }
        Objects.requireNonNull(splits, "splits");
    }
}
