package org.sparkresnet.model;

import java.util.List;

/** The two residual block shapes of torchvision's resnet.py; {@code expansion} widens a block's output. */
public enum BlockKind {
    /** Two 3x3 convolutions. */
    BASIC(1),
    /** 1x1 reduce, 3x3 (carrying the stride, as torchvision's "v1.5" does), 1x1 expand by 4. */
    BOTTLENECK(4);

    /** One convolution of a block's residual branch. */
    public record ConvSpec(int kernel, int stride, int channels) {
    }

    private final int expansion;

    BlockKind(int expansion) {
        this.expansion = expansion;
    }

    public int expansion() {
        return expansion;
    }

    /** The residual branch's convolutions for a block of base {@code width} whose first strided conv uses {@code stride}. */
    public List<ConvSpec> branch(int width, int stride) {
        return switch (this) {
            case BASIC -> List.of(new ConvSpec(3, stride, width), new ConvSpec(3, 1, width));
            case BOTTLENECK -> List.of(new ConvSpec(1, 1, width), new ConvSpec(3, stride, width),
                    new ConvSpec(1, 1, width * expansion));
        };
    }
}
