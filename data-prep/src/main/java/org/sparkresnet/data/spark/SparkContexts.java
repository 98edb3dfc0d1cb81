package org.sparkresnet.data.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.fs.StorageRetry;
import org.sparkresnet.runtime.JvmFlags;

/**
 * Creates the SparkContext every job uses. spark-submit's --master (which arrives as the system property
 * spark.master) wins; a job's own --master comes next; local[*] is the default so a job runs out of the box.
 * Executors get the project's JVM flags (see {@link JvmFlags}) in front of whatever the user set, and ND4J threads
 * to match the cores each worker has (see {@link ExecutorThreads}) and containers sized for ND4J's off-heap memory
 * (see {@link ExecutorMemory}) and a heap whose dead array owners are found early (see {@link ExecutorHeap}), and
 * object-store retries that ride out short outages and fail long ones in minutes (see
 * {@link StorageRetry}).
 */
public final class SparkContexts {
    public static final String DEFAULT_MASTER = "local[*]";

    private SparkContexts() {
    }

    public static SparkConf conf(String appName, String masterOption) {
        return conf(appName, masterOption, ExecutorThreads.PER_TASK);
    }

    public static SparkConf conf(String appName, String masterOption, ExecutorThreads threads) {
        SparkConf conf = new SparkConf().setAppName(appName);
        if (!conf.contains("spark.master")) {
            conf.setMaster(masterOption == null || masterOption.isBlank() ? DEFAULT_MASTER : masterOption);
        }
        ExecutorMemory.apply(conf);
        ExecutorHeap.apply(conf);
        String flags = JvmFlags.asString();
        String userExecutorOptions = conf.get("spark.executor.extraJavaOptions", "");
        if (!userExecutorOptions.contains(flags)) {
            conf.set("spark.executor.extraJavaOptions", (flags + " " + userExecutorOptions).trim());
        }
        threads.apply(conf);
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        conf.setIfMissing("spark.driver.maxResultSize", "2g");
        // executors report their peak memory (RSS includes ND4J's native arrays) with each task: what the train job records per epoch
        conf.setIfMissing("spark.executor.processTreeMetrics.enabled", "true");
        conf.setIfMissing("spark.executor.metrics.pollingInterval", "1s");
        StorageRetry.apply(conf);
        return conf;
    }

    public static JavaSparkContext create(String appName, String masterOption) {
        return create(appName, masterOption, ExecutorThreads.PER_TASK);
    }

    public static JavaSparkContext create(String appName, String masterOption, ExecutorThreads threads) {
        JvmFlags.applySystemPropertiesIfAbsent();
        SparkConf conf = conf(appName, masterOption, threads);
        ExecutorMemory.describe(conf).ifPresent(System.err::println);
        return new JavaSparkContext(conf);
    }
}
