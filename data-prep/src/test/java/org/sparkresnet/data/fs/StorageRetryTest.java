package org.sparkresnet.data.fs;

import com.amazonaws.SdkClientException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.s3a.AWSClientIOException;
import org.apache.hadoop.fs.s3a.S3ARetryPolicy;
import org.apache.hadoop.io.retry.RetryPolicy;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.sparkresnet.data.spark.SparkContexts;

import java.net.ConnectException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The object-store retry settings every job gets, checked against Hadoop's own S3A retry policy: what it does with an
 * endpoint that refuses connections (a stopped s3proxy or a dead gateway), retry by retry. StorageOutageTest (jobs)
 * rides out a real outage with them.
 */
class StorageRetryTest {
    /** What S3A gets from the SDK when nothing listens on the endpoint's port. */
    private static final AWSClientIOException REFUSED = new AWSClientIOException("PUT s3a://models/run/model.zip",
            new SdkClientException("Unable to execute HTTP request: Connect to 127.0.0.1:9000 failed: Connection refused",
                    new ConnectException("Connection refused")));

    @Test
    void aRefusingEndpointIsRetriedForHalfAMinuteToOneAndAHalfAndThenFails() throws Exception {
        Configuration conf = new Configuration(false);
        StorageRetry.S3A.forEach(conf::set);
        for (int run = 0; run < 200; run++) { // the policy's sleeps are jittered: every draw stays within the bounds
            long[] retriesAndMillis = waitBeforeFailing(new S3ARetryPolicy(conf));
            assertEquals(5, retriesAndMillis[0], "retries before giving up");
            assertTrue(retriesAndMillis[1] >= 31_000 && retriesAndMillis[1] <= 93_000,
                    "an outage is waited out for 31-93 s in all, not " + retriesAndMillis[1] + " ms");
        }
    }

    @Test
    void everyJobGetsTheSettingsUnlessTheUserSetThem() {
        SparkConf plain = SparkContexts.conf("retry-test", "local[1]");
        StorageRetry.S3A.forEach((key, value) -> assertEquals(value, plain.get("spark.hadoop." + key), key));

        SparkConf own = new SparkConf().set("spark.hadoop.fs.s3a.retry.limit", "20");
        StorageRetry.apply(own);
        assertEquals("20", own.get("spark.hadoop.fs.s3a.retry.limit"), "a user's spark.hadoop value wins");
        assertEquals("1s", own.get("spark.hadoop.fs.s3a.retry.interval"), "the keys the user left alone still get ours");

        Configuration fromFiles = new Configuration();
        assertTrue(!StorageRetry.setByUser(fromFiles, "fs.s3a.retry.limit"), "core-default.xml's value is not the user's");
        fromFiles.set("fs.s3a.retry.limit", "9");
        assertTrue(StorageRetry.setByUser(fromFiles, "fs.s3a.retry.limit"), "a value set outside *-default.xml is the user's");
    }

    /** Asks the policy after each failed attempt, as S3A's Invoker does, adding up the sleeps until it says fail. */
    private static long[] waitBeforeFailing(S3ARetryPolicy policy) throws Exception {
        long millis = 0;
        int retries = 0;
        while (true) {
            RetryPolicy.RetryAction action = policy.shouldRetry(REFUSED, retries, 0, true);
            if (action.action != RetryPolicy.RetryAction.RetryDecision.RETRY) {
                return new long[]{retries, millis};
            }
            millis += action.delayMillis;
            retries++;
        }
    }
}
