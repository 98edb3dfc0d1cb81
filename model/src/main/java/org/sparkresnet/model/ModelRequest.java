package org.sparkresnet.model;

import java.util.Objects;

/**
 * What to build: a model name from {@link ResNets#supportedModels()}, the image shape and the class count.
 * The name is checked when the request is built into a configuration, where the supported list is at hand.
 */
public record ModelRequest(String model, InputShape input, int numClasses, TrainingOptions training) {
    public ModelRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(training, "training");
        model = model.trim().toLowerCase(java.util.Locale.ROOT);
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2 for a softmax classifier, got " + numClasses);
        }
    }

    /** A request with {@link TrainingOptions#defaults()}. */
    public static ModelRequest of(String model, InputShape input, int numClasses) {
        return new ModelRequest(model, input, numClasses, TrainingOptions.defaults());
    }
}
