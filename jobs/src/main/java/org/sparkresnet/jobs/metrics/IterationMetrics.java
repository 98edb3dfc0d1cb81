package org.sparkresnet.jobs.metrics;

import com.fasterxml.jackson.annotation.JsonCreator;

/**
 * One point of the per-iteration curves: the training iterations that ended since the previous point (a window),
 * recorded on the driver; one entry of metrics.json's {@code iterations} array.
 *
 * @param epoch            the (1-based) epoch the window belongs to
 * @param iteration        training iterations (minibatches, summed over the workers) done in the run when the window
 *                         closed, counted from the run's start across resumes: the curves' x axis
 * @param examples         training images seen in the run when the window closed
 * @param windowIterations iterations in the window
 * @param trainLoss        the mean minibatch loss over the window's iterations
 * @param learningRate     the rate of the window's epoch (the schedule is per epoch)
 * @param imagesPerSecond  the window's images over its wall-clock seconds on the driver (from the previous point, or
 *                         the epoch's start)
 * @param dataWaitShare    the share of the workers' minibatch-loop time in the window spent waiting for data; NaN when
 *                         not measured
 * @param wallTime         when the window closed, in seconds since 1970-01-01 UTC
 */
public record IterationMetrics(int epoch, long iteration, long examples, long windowIterations, double trainLoss,
                               double learningRate, double imagesPerSecond, double dataWaitShare, double wallTime) {
    /** The canonical constructor is the one JSON (metrics.json of an earlier run, on resume) is read with. */
    @JsonCreator
    public IterationMetrics {
    }
}
