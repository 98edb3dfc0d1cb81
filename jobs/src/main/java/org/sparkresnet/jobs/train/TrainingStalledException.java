package org.sparkresnet.jobs.train;

/**
 * The stall watchdog stopped a run that made no progress: not a bug to show a stack trace for, and not bad input
 * either. The message says what happened and how to go on; the train command prints it as one line (exit code 1).
 */
public final class TrainingStalledException extends RuntimeException {
    public TrainingStalledException(String message, Throwable cause) {
        super(message, cause);
    }
}
