package org.sparkresnet.jobs.preflight;

import java.io.Serializable;
import java.util.Objects;

/**
 * One line of the preflight report: what was checked where, the result, what was found and, unless it passed, what
 * fixes it.
 *
 * @param where  "driver" or "executor ID (HOST)"
 * @param name   the check: master, executors, native, memory, jvm-flags, aeron-udp, dev-shm, data, output
 * @param status the result
 * @param detail what was found (one line)
 * @param advice what fixes it; empty when the check passed
 */
public record Check(String where, String name, Status status, String detail, String advice) implements Serializable {
    /** A check's result; only {@link #FAIL} makes preflight exit non-zero. */
    public enum Status {
        PASS, WARN, FAIL
    }

    public Check {
        Objects.requireNonNull(where, "where");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        detail = detail == null ? "" : detail;
        advice = advice == null ? "" : advice;
    }

    public static Check pass(String where, String name, String detail) {
        return new Check(where, name, Status.PASS, detail, "");
    }

    public static Check warn(String where, String name, String detail, String advice) {
        return new Check(where, name, Status.WARN, detail, advice);
    }

    public static Check fail(String where, String name, String detail, String advice) {
        return new Check(where, name, Status.FAIL, detail, advice);
    }

    public boolean failed() {
        return status == Status.FAIL;
    }

    /** The same check reported for another place (a check run on the driver for the executors it speaks for). */
    public Check at(String otherWhere) {
        return new Check(otherWhere, name, status, detail, advice);
    }
}
