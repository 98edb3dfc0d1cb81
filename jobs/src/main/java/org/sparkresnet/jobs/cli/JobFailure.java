package org.sparkresnet.jobs.cli;

import org.sparkresnet.data.DataPrepException;
import picocli.CommandLine;

import java.io.UncheckedIOException;

/**
 * Turns failures a user can fix (bad input, missing files, wrong settings) into one clear line and exit code 2;
 * anything else is a bug and keeps its stack trace (exit code 1).
 */
public final class JobFailure implements CommandLine.IExecutionExceptionHandler {
    public static final int USER_ERROR = 2;

    @Override
    public int handleExecutionException(Exception e, CommandLine cmd, CommandLine.ParseResult parseResult) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof org.sparkresnet.jobs.train.TrainingStalledException) { // not bad input, not a bug: what happened and how to go on
                cmd.getErr().println(cmd.getCommandName() + ": error: " + t.getMessage());
                return 1;
            }
        }
        Throwable userError = userError(e);
        if (userError != null) {
            cmd.getErr().println(cmd.getCommandName() + ": error: " + userError.getMessage());
            return USER_ERROR;
        }
        e.printStackTrace(cmd.getErr());
        return 1;
    }

    /** The first data error, bad argument or I/O failure in the cause chain (Spark wraps executor failures). */
    static Throwable userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DataPrepException || t instanceof IllegalArgumentException || t instanceof org.sparkresnet.data.fs.LockHeldException || t instanceof UncheckedIOException || t instanceof java.io.IOException) {
                return t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
