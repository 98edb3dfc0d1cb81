package org.sparkresnet.data.spark;

import org.apache.spark.SparkConf;

/**
 * How many native threads ND4J gets in each executor (spark.executorEnv.OMP_NUM_THREADS; a value the user set wins).
 * Left alone, every task's ND4J starts one thread per core of the machine, so an executor running several tasks
 * oversubscribes its cores: on 2 cores, two ResNet-20 trainers in one JVM trained 118 images/s in all with 2 native
 * threads each and 221 with 1 each. deploy/bin/resnet applies the same rule to local[N] masters.
 */
public enum ExecutorThreads {
    /** One ND4J worker per task (parameter averaging, evaluation): each gets its spark.task.cpus cores. */
    PER_TASK,
    /** One trainer per executor (gradient sharing, workersPerNode 1): it gets all spark.executor.cores, when known. */
    PER_EXECUTOR;

    public static final String KEY = "spark.executorEnv.OMP_NUM_THREADS";

    public void apply(SparkConf conf) {
        if (this == PER_TASK) {
            conf.setIfMissing(KEY, conf.get("spark.task.cpus", "1"));
        } else if (conf.contains("spark.executor.cores")) {
            conf.setIfMissing(KEY, conf.get("spark.executor.cores"));
        }
    }
}
