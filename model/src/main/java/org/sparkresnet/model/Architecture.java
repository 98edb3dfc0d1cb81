package org.sparkresnet.model;

import java.util.List;
import java.util.Objects;

/**
 * One network's layout: the stem, the block shape, and per stage the block count and base width.
 * Stage {@code i} (0-based) is named {@code conv(i+2)}, its first block strides by 2 except in stage 0.
 *
 * @param name           the model name the table knows it by
 * @param blocksPerStage number of blocks per stage, e.g. [3, 4, 6, 3] for ResNet-50
 * @param stageWidths    base width per stage; a stage outputs {@code width * block.expansion()} channels
 */
public record Architecture(String name, Variant variant, Stem stem, BlockKind block,
                           List<Integer> blocksPerStage, List<Integer> stageWidths) {
    public Architecture {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(stem, "stem");
        Objects.requireNonNull(block, "block");
        blocksPerStage = List.copyOf(blocksPerStage);
        stageWidths = List.copyOf(stageWidths);
        if (blocksPerStage.isEmpty() || blocksPerStage.size() != stageWidths.size()) {
            throw new IllegalArgumentException("architecture " + name + " needs one width per stage, got blocks "
                    + blocksPerStage + " and widths " + stageWidths);
        }
        if (blocksPerStage.stream().anyMatch(n -> n < 1) || stageWidths.stream().anyMatch(w -> w < 1)) {
            throw new IllegalArgumentException("architecture " + name + " has a non-positive block count or width: "
                    + blocksPerStage + ", " + stageWidths);
        }
    }

    public int stageCount() {
        return blocksPerStage.size();
    }

    /** Channels of the globally pooled feature vector: the last stage's output width. */
    public int featureWidth() {
        return stageWidths.get(stageCount() - 1) * block.expansion();
    }

    /** The first stage is not downsampled (the stem already did); later stages halve the resolution. */
    public int stageStride(int stageIndex) {
        return stageIndex == 0 ? 1 : 2;
    }
}
