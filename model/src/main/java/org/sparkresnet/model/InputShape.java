package org.sparkresnet.model;

/** Image input shape in channels-first order (as ND4J's NCHW arrays hold it). */
public record InputShape(int channels, int height, int width) {
    public InputShape {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("input shape must be positive, got " + channels + "x" + height + "x" + width);
        }
    }

    /** Parses "CxHxW", e.g. "3x224x224". */
    public static InputShape parse(String text) {
        String[] parts = text.trim().toLowerCase().split("x");
        if (parts.length != 3) {
            throw new IllegalArgumentException("input shape '" + text + "' must be CxHxW, e.g. 1x28x28 or 3x224x224");
        }
        try {
            return new InputShape(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("input shape '" + text + "' must be CxHxW with integers, e.g. 3x224x224");
        }
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
