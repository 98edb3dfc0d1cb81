package org.sparkresnet.jobs.nightly;

/** Another live process holds the date's lock: a temporary failure, worth a retry later. */
final class LockHeldException extends RuntimeException {
    LockHeldException(String message) {
        super(message);
    }
}
