package org.sparkresnet.data;

/**
 * A problem with the data or the paths a user gave (a bad IDX file, a missing directory, an existing output),
 * as opposed to a bug. Its message is meant for the user as is: it names the file or value and what was wrong,
 * so command-line jobs print it as one line instead of a stack trace.
 */
public class DataPrepException extends RuntimeException {
    public DataPrepException(String message) {
        super(message);
    }

    public DataPrepException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The first DataPrepException in a cause chain (Spark wraps executor failures), or null if there is none. */
    public static DataPrepException findIn(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof DataPrepException dataError) {
                return dataError;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
