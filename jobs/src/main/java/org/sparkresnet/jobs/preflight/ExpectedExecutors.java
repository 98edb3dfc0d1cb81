package org.sparkresnet.jobs.preflight;

import org.apache.spark.SparkConf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many executors the job's settings ask for, which preflight waits for (a bounded time) before it runs its task on
 * each.
 *
 * @param count  executors to wait for (0: the master runs tasks in the driver, local[N])
 * @param exact  false when the settings do not say (standalone without spark.executor.instances takes every executor
 *               the master grants; dynamic allocation grows): then preflight waits for {@code count} and for the
 *               number to settle
 * @param source where the count comes from, for the report
 */
public record ExpectedExecutors(int count, boolean exact, String source) {
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,.*\\]");
    /** YARN's and Kubernetes' spark.executor.instances when it is not set. */
    static final int CLUSTER_MANAGER_DEFAULT = 2;

    public static ExpectedExecutors of(SparkConf conf, Integer executorsOption) {
        String master = conf.get("spark.master", "");
        if (executorsOption != null) {
            return new ExpectedExecutors(executorsOption, true, "--executors " + executorsOption);
        }
        if (isLocal(master)) {
            return new ExpectedExecutors(0, true, "master " + master + " runs the tasks in the driver");
        }
        Matcher localCluster = LOCAL_CLUSTER.matcher(master);
        if (localCluster.matches()) {
            return new ExpectedExecutors(Integer.parseInt(localCluster.group(1)), true, "master " + master);
        }
        if (conf.getBoolean("spark.dynamicAllocation.enabled", false)) {
            int min = conf.getInt("spark.dynamicAllocation.minExecutors", 0);
            int initial = conf.getInt("spark.dynamicAllocation.initialExecutors", min);
            int instances = conf.getInt("spark.executor.instances", 0);
            int count = Math.max(1, Math.max(min, Math.max(initial, instances)));
            return new ExpectedExecutors(count, false, "dynamic allocation (minExecutors " + min + ", initialExecutors " + initial
                    + "); --executors N waits for N");
        }
        if (conf.contains("spark.executor.instances")) {
            int instances = conf.getInt("spark.executor.instances", 0);
            return new ExpectedExecutors(instances, true, "spark.executor.instances=" + instances);
        }
        if (master.startsWith("yarn") || master.startsWith("k8s://")) {
            return new ExpectedExecutors(CLUSTER_MANAGER_DEFAULT, true, "spark.executor.instances not set: " + CLUSTER_MANAGER_DEFAULT
                    + " on " + (master.startsWith("yarn") ? "YARN" : "Kubernetes"));
        }
        if (conf.contains("spark.cores.max") && conf.contains("spark.executor.cores")) {
            int count = conf.getInt("spark.cores.max", 0) / Math.max(1, conf.getInt("spark.executor.cores", 1));
            return new ExpectedExecutors(count, true, "spark.cores.max / spark.executor.cores");
        }
        return new ExpectedExecutors(1, false, "spark.executor.instances not set: every executor the master grants; --executors N"
                + " waits for N");
    }

    static boolean isLocal(String master) {
        return master.equals("local") || master.startsWith("local[");
    }
}
