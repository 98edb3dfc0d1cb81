package org.sparkresnet.jobs.preflight;

import java.io.Serializable;

/** A registered executor as the driver knows it: Spark's executor id and the host its block manager reports. */
public record ExecutorRef(String id, String host) implements Serializable {
    /** Spark's task-location form that pins a task to this executor (TaskLocation's "executor_HOST_ID"). */
    String location() {
        return "executor_" + host + "_" + id;
    }

    String label() {
        return "executor " + id + " (" + host + ")";
    }
}
