package org.sparkresnet.jobs.infer;

import java.util.List;

/**
 * One predict or features run.
 *
 * @param kind        predictions (top-k labels and probabilities) or features (the pooled vector)
 * @param model       model zip with its record, any Hadoop URI
 * @param inputs      folder trees, image files or prepared split folders
 * @param inputList   a text file of image URIs, one per line; null for none
 * @param output      the output folder
 * @param format      parquet, json or csv (features: parquet)
 */
public record InferenceRequest(OutputKind kind, String model, List<String> inputs, String inputList, String output, String format,
                               int topK, int batchSize, boolean failOnError, boolean overwrite) {
    public InferenceRequest {
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
        if (topK < 1) {
            throw new IllegalArgumentException("--top-k must be >= 1, got " + topK);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        }
        OutputFolder.Format.of(format);
        if (kind == OutputKind.FEATURES && OutputFolder.Format.of(format) != OutputFolder.Format.PARQUET) {
            throw new IllegalArgumentException("features are written as parquet only (an array column), got --format " + format);
        }
    }
}
