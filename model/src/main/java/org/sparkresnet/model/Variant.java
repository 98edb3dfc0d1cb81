package org.sparkresnet.model;

/** How a block arranges activation and shortcut; the prefix is the model-name prefix. */
public enum Variant {
    /** He et al. 2015 (v1): conv-BN-ReLU, add, then ReLU. */
    RESIDUAL("resnet"),
    /** He et al. 2016 "identity mappings" (v2): BN-ReLU before each conv, a clean identity path. */
    PREACTIVATION("preresnet"),
    /** The same layers as {@link #RESIDUAL} with no shortcut at all (the paper's "plain" baseline). */
    PLAIN("plain");

    private final String prefix;

    Variant(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }
}
