package org.sparkresnet.data.fs;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;

import java.util.Map;

/**
 * How long the jobs wait out an object store that stops answering: S3A's retry settings, chosen so that an outage
 * of up to half a minute is ridden out and a store that stays down fails the operation in one to two minutes,
 * naming the URI. Hadoop 3.3.4's defaults wait about ten minutes per operation (measured against a killed s3proxy:
 * 595 s), and a checkpoint is several operations, so a nightly run would hang for an hour before it said anything.
 * <p>
 * S3A backs off exponentially with jitter: the n-th retry sleeps interval x 2^n x [0.5, 1.5), so with 5 retries from
 * 1 s the sleeps add up to 31-93 s (62 s on average), never less than 31 s. The AWS SDK's own retries within each
 * attempt are kept to 3, so that S3A's policy, not the SDK's, sets the pace. A server that accepts connections but
 * never answers is given up on after 60 s of silence per request instead of 200 s.
 * <p>
 * A value the user set, as {@code spark.hadoop.*} or in a core-site.xml on the class path, is left alone.
 */
public final class StorageRetry {
    /** Hadoop key and this project's value. */
    public static final Map<String, String> S3A = Map.of(
            "fs.s3a.retry.limit", "5",
            "fs.s3a.retry.interval", "1s",
            "fs.s3a.attempts.maximum", "3",
            "fs.s3a.connection.timeout", "60000");

    private StorageRetry() {
    }

    /** Sets each key as {@code spark.hadoop.KEY} unless the user already set it in Spark or Hadoop configuration. */
    public static void apply(SparkConf conf) {
        Configuration hadoopDefaults = new Configuration();
        S3A.forEach((key, value) -> {
            if (!conf.contains("spark.hadoop." + key) && !setByUser(hadoopDefaults, key)) {
                conf.set("spark.hadoop." + key, value);
            }
        });
    }

    /** Whether a configuration file other than Hadoop's own *-default.xml set the key. */
    static boolean setByUser(Configuration conf, String key) {
        String[] sources = conf.getPropertySources(key);
        if (sources == null) {
            return false;
        }
        for (String source : sources) {
            if (!source.endsWith("-default.xml")) {
                return true;
            }
        }
        return false;
    }
}
