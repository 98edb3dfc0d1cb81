package org.sparkresnet.data.fs;

/** Another live process holds the lock (of a nightly date, of a job's output): a temporary failure, worth a retry later. */
public final class LockHeldException extends RuntimeException {
    public LockHeldException(String message) {
        super(message);
    }
}
