package org.sparkresnet.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every supported model name and its {@link Architecture}: the torchvision depth table for the ImageNet nets,
 * the 6n+2 rule for the small-image nets, each in the residual, pre-activation and plain variant.
 */
final class ArchitectureTable {
    private static final List<Integer> IMAGENET_WIDTHS = List.of(64, 128, 256, 512);
    private static final List<Integer> SMALL_IMAGE_WIDTHS = List.of(16, 32, 64);
    private static final List<Integer> SMALL_IMAGE_DEPTHS = List.of(20, 32, 44, 56, 110);

    /** torchvision's resnet.py table: depth -> (block, blocks per stage). */
    private record ImageNetDepth(int depth, BlockKind block, List<Integer> blocks) {
    }

    private static final List<ImageNetDepth> IMAGENET_DEPTHS = List.of(
            new ImageNetDepth(18, BlockKind.BASIC, List.of(2, 2, 2, 2)),
            new ImageNetDepth(34, BlockKind.BASIC, List.of(3, 4, 6, 3)),
            new ImageNetDepth(50, BlockKind.BOTTLENECK, List.of(3, 4, 6, 3)),
            new ImageNetDepth(101, BlockKind.BOTTLENECK, List.of(3, 4, 23, 3)),
            new ImageNetDepth(152, BlockKind.BOTTLENECK, List.of(3, 8, 36, 3)));

    private static final Map<String, Architecture> BY_NAME = buildTable();

    private ArchitectureTable() {
    }

    private static Map<String, Architecture> buildTable() {
        Map<String, Architecture> table = new LinkedHashMap<>();
        for (Variant variant : Variant.values()) {
            for (ImageNetDepth d : IMAGENET_DEPTHS) {
                String name = variant.prefix() + d.depth();
                table.put(name, new Architecture(name, variant, Stem.IMAGENET, d.block(), d.blocks(), IMAGENET_WIDTHS));
            }
            for (int depth : SMALL_IMAGE_DEPTHS) {
                // 6n+2 layers: a stem conv, 3 stages of n two-conv blocks, the classifier.
                int n = (depth - 2) / 6;
                String name = variant.prefix() + depth;
                table.put(name, new Architecture(name, variant, Stem.SMALL_IMAGE, BlockKind.BASIC,
                        List.of(n, n, n), SMALL_IMAGE_WIDTHS));
            }
        }
        return Collections.unmodifiableMap(table);
    }

    static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    /** @throws IllegalArgumentException naming the unknown model and listing the supported ones */
    static Architecture lookup(String model) {
        Architecture architecture = model == null ? null : BY_NAME.get(model.trim().toLowerCase(java.util.Locale.ROOT));
        if (architecture == null) {
            throw new IllegalArgumentException("unknown model '" + model + "'; supported models: " + describeSupported());
        }
        return architecture;
    }

    private static String describeSupported() {
        return String.join(", ", names());
    }
}
