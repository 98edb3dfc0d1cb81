package org.sparkresnet.jobs.store;

import com.fasterxml.jackson.annotation.JsonCreator;
import org.sparkresnet.jobs.metrics.EpochMetrics;

import java.util.List;

/**
 * The small JSON file written after a checkpoint's zip: its presence says the zip is whole, and it holds what a
 * resumed run needs besides the network (the epoch count, the metrics so far, what was trained on what).
 *
 * @param epochsDone  epochs completed when the checkpoint was taken (1-based count)
 * @param totalEpochs the run's planned epoch count, which fixes the learning-rate schedule
 * @param zipFile     the zip's file name, beside this marker
 * @param zipBytes    the zip's length; a zip of any other length is not this checkpoint
 * @param baseModel     a fine-tuning run's base model URI; null for a run from fresh weights (and in markers written
 *                      before fine-tuning existed)
 * @param freezeThrough a fine-tuning run's last frozen stage (none, stem, conv2, ...); null for a run from fresh weights
 */
public record CheckpointMarker(int formatVersion, int epochsDone, int totalEpochs, String model, String dataUri,
                               String mode, String zipFile, long zipBytes, List<EpochMetrics> metrics, String baseModel,
                               String freezeThrough) {
    public static final int FORMAT_VERSION = 1;

    @JsonCreator
    public CheckpointMarker {
        if (formatVersion != FORMAT_VERSION) {
            throw new IllegalArgumentException("checkpoint marker format " + formatVersion + " is not supported, expected " + FORMAT_VERSION);
        }
        if (epochsDone < 1 || zipFile == null || zipBytes <= 0 || metrics == null) {
            throw new IllegalArgumentException("incomplete checkpoint marker: epochsDone " + epochsDone + ", zip " + zipFile + " of " + zipBytes + " bytes");
        }
        metrics = List.copyOf(metrics);
    }

    /** The marker of a run from fresh weights. */
    public CheckpointMarker(int formatVersion, int epochsDone, int totalEpochs, String model, String dataUri, String mode, String zipFile,
                            long zipBytes, List<EpochMetrics> metrics) {
        this(formatVersion, epochsDone, totalEpochs, model, dataUri, mode, zipFile, zipBytes, metrics, null, null);
    }

    /** This marker vouching for the zip {@code newZipFile} of {@code newZipBytes} bytes. */
    public CheckpointMarker withZip(String newZipFile, long newZipBytes) {
        return new CheckpointMarker(formatVersion, epochsDone, totalEpochs, model, dataUri, mode, newZipFile, newZipBytes, metrics,
                baseModel, freezeThrough);
    }
}
