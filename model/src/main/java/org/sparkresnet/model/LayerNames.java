package org.sparkresnet.model;

/**
 * Keras-style deterministic layer names, so that summaries, frozen stages and imported weights line up:
 * {@code conv1_conv}, {@code pool1_pool}, {@code conv2_block1_1_conv}, {@code conv2_block1_0_bn} (shortcut),
 * {@code conv2_block1_add}, {@code conv2_block1_out}, {@code post_bn}, then {@link ResNets#FEATURES} and
 * {@link ResNets#OUTPUT}.
 */
public final class LayerNames {
    public static final String STEM_STAGE = "stem";
    public static final String HEAD_STAGE = "head";

    private LayerNames() {
    }

    /** Stage names in order: "stem", "conv2", ..., "conv(stageCount+1)", "head". */
    public static String stageName(int stageIndex) {
        return "conv" + (stageIndex + 2);
    }

    static String stem(String part) {
        return "conv1_" + part;
    }

    static String stemPool() {
        return "pool1_pool";
    }

    /** Prefix of block {@code blockIndex} (0-based) in stage {@code stageIndex} (0-based): conv2_block1. */
    static String block(int stageIndex, int blockIndex) {
        return stageName(stageIndex) + "_block" + (blockIndex + 1);
    }

    static String head(String part) {
        return "post_" + part;
    }

    /**
     * The stage a vertex belongs to: "stem" for conv1_* and pool1_*, "convN" for convN_block*, "head" for
     * everything after the last stage, null for the graph input.
     */
    public static String stageOf(String vertexName) {
        if (vertexName.equals(ResNets.INPUT)) {
            return null;
        }
        if (vertexName.startsWith("conv1_") || vertexName.startsWith("pool1_")) {
            return STEM_STAGE;
        }
        int blockAt = vertexName.indexOf("_block");
        if (vertexName.startsWith("conv") && blockAt > 4) {
            return vertexName.substring(0, blockAt);
        }
        return HEAD_STAGE;
    }

    /**
     * The stage number used by {@link ResNets#replaceHead}: 0 = nothing, 1 = stem, 2.. = convN, or -1 for the head.
     */
    static int stageNumber(String stage) {
        if (stage == null) {
            return 0;
        }
        if (stage.equals(STEM_STAGE)) {
            return 1;
        }
        if (stage.equals(HEAD_STAGE)) {
            return -1;
        }
        return Integer.parseInt(stage.substring("conv".length()));
    }
}
