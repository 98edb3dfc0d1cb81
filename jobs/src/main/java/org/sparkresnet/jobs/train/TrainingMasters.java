package org.sparkresnet.jobs.train;

import org.deeplearning4j.optimize.solvers.accumulation.encoding.ThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.residual.ResidualClippingPostProcessor;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.sparkresnet.jobs.dl4jfix.EveryBatchParameterAveragingTrainingMaster;
import org.sparkresnet.jobs.dl4jfix.KeepPartitionsRepartitioner;
import org.sparkresnet.jobs.dl4jfix.StreamingSharedTrainingMaster;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * Maps the training settings to a dl4j-spark TrainingMaster. Both modes train on the RDD's minibatches directly
 * ({@link RDDTrainingApproach#Direct}: the default, Export, first writes every minibatch to a temporary directory,
 * which needs a shared file system on a real cluster) and collect no training stats (SharedTrainingMaster throws
 * with them on; progress comes from {@link TrainingProgress}). Neither persists the epoch's minibatches: they are read
 * from the shards as they are trained (see Trainer.fitEpoch).
 */
public final class TrainingMasters {
    /** Controller address used when the Spark master runs everything on this machine (local[N], local-cluster). */
    public static final String LOOPBACK = "127.0.0.1";

    private TrainingMasters() {
    }

    /**
     * The master for the request's mode; {@code sparkMaster} decides the default controller address for sharing, and
     * {@code workers} (the training workers) shares out a budget threshold.
     */
    public static TrainingMaster<?, ?> forRequest(TrainRequest request, String sparkMaster, int workers) {
        return forRequest(request, sparkMaster, null, workers);
    }

    /** As {@link #forRequest(TrainRequest, String, int)}, with the driver's host as Spark has it (spark.driver.host). */
    public static TrainingMaster<?, ?> forRequest(TrainRequest request, String sparkMaster, String driverHost, int workers) {
        return switch (request.mode()) {
            case AVERAGING -> parameterAveraging(request);
            case SHARING -> gradientSharing(request, controllerAddress(request.sharing(), sparkMaster, driverHost, System.getenv()), workers);
        };
    }

    /**
     * The driver's address that executors send their updates to: --controller-address when given; 127.0.0.1 when the
     * master runs everything on this machine; null (dl4j-spark then chooses) when one of DL4J's own ways is set up
     * (SPARK_PUBLIC_DNS, --network-mask, DL4J_VOID_IP); otherwise the address of spark.driver.host, which the executors
     * already reach the driver at. dl4j-spark alone gave up there ("Can't get Spark Master local address"), which is
     * what happened to every cluster-mode run without extra settings.
     */
    public static String controllerAddress(SharingSettings s, String sparkMaster, String driverHost, Map<String, String> env) {
        if (s.controllerAddress() != null) {
            return s.controllerAddress();
        }
        if (sparkMaster != null && sparkMaster.startsWith("local")) {
            return LOOPBACK;
        }
        if (env.get("SPARK_PUBLIC_DNS") != null || s.networkMask() != null || env.get("DL4J_VOID_IP") != null || driverHost == null) {
            return null;
        }
        try {
            return InetAddress.getByName(driverHost).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("spark.driver.host '" + driverHost + "' does not resolve; give gradient sharing the"
                    + " driver's IP with --controller-address", e);
        }
    }

    /** Parameter averaging that trains on every minibatch (see {@link EveryBatchParameterAveragingTrainingMaster}). */
    public static TrainingMaster<?, ?> parameterAveraging(TrainRequest request) {
        return new EveryBatchParameterAveragingTrainingMaster(stockParameterAveraging(request));
    }

    /** dl4j-spark's own builder with our settings; its build() gives the stock master, which skips minibatches. */
    public static ParameterAveragingTrainingMaster.Builder stockParameterAveraging(TrainRequest request) {
        return new ParameterAveragingTrainingMaster.Builder(request.batchSize())
                .batchSizePerWorker(request.batchSize())
                .averagingFrequency(request.averagingFrequency())
                .workerPrefetchNumBatches(0) // the job's minibatch reader prefetches (and measures the wait) itself
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .collectTrainingStats(false)
                .rngSeed(request.seed());
    }

    /**
     * Gradient sharing: every executor trains its own replica and sends threshold-encoded updates to all others.
     * Each Spark task trains a whole partition (a shard's minibatches; see {@link KeepPartitionsRepartitioner}).
     * One trainer per executor (SharingSettings refuses more); build one per run and reuse it for every epoch's
     * fit, because a second SharedTrainingMaster in a JVM tears down and relaunches the JVM-wide parameter server.
     */
    public static SharedTrainingMaster gradientSharing(TrainRequest request, String sparkMaster) {
        return gradientSharing(request, controllerAddress(request.sharing(), sparkMaster, null, System.getenv()), 1);
    }

    /** Gradient sharing to the given controller address for {@code workers} training workers (for the budget threshold). */
    private static SharedTrainingMaster gradientSharing(TrainRequest request, String controller, int workers) {
        SharingSettings s = request.sharing();
        VoidConfiguration voidConf = VoidConfiguration.builder()
                .portSupplier(new PerExecutorPortSupplier(s.aeronPort()))
                .controllerAddress(controller)
                .networkMask(s.networkMask())
                .build();
        return new StreamingSharedTrainingMaster.Builder(voidConf, request.batchSize())
                .batchSizePerWorker(request.batchSize())
                .workersPerNode(s.workersPerNode())
                .thresholdAlgorithm(thresholdAlgorithm(s, workers))
                .residualPostProcessor(new ResidualClippingPostProcessor(s.residualClip(), s.residualClipEvery()))
                .workerPrefetchNumBatches(0) // the job's minibatch reader prefetches (and measures the wait) itself
                .rddTrainingApproach(RDDTrainingApproach.Direct)
                .repartitioner(new KeepPartitionsRepartitioner())
                .collectTrainingStats(false)
                .rngSeed(request.seed())
                .build();
    }

    static ThresholdAlgorithm thresholdAlgorithm(SharingSettings s, int workers) {
        return switch (s.threshold()) {
            case "quantile", "budget" -> new QuantileThreshold(s.fractionPerWorker(workers));
            case "adaptive" -> new AdaptiveThresholdAlgorithm(s.thresholdValue());
            case "fixed" -> new FixedThresholdAlgorithm(s.thresholdValue());
            default -> throw new IllegalArgumentException("--threshold-algorithm must be one of " + SharingSettings.THRESHOLDS
                    + ", got '" + s.threshold() + "'");
        };
    }
}
