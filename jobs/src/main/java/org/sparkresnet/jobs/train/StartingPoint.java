package org.sparkresnet.jobs.train;

import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.store.CheckpointMarker;
import org.sparkresnet.jobs.store.Checkpoints;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.TrainingOptions;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The network a run starts from, with the epochs already done: a fresh one, or the newest complete checkpoint.
 *
 * <p>A resumed network is built fresh from the request (so its learning-rate schedule is offset by the epochs done
 * and its epoch counter starts at 0 on the driver and on every worker alike) and then takes the checkpoint's
 * parameters and updater state. A fine-tuning run ({@link FineTuning}) starts from its base model instead
 * ({@link FineTunedNetwork}); resumed, it is built with the same frozen stages and takes the checkpoint's parameters.
 */
public record StartingPoint(ComputationGraph network, int epochsDone, List<EpochMetrics> metricsSoFar) {

    /** The untrained network a request starts from on this data (the model by name, the request's optimiser and seed). */
    public static ComputationGraph freshNetwork(TrainRequest request, SplitManifest train, int epochsDone) {
        return ResNets.build(new ModelRequest(request.model(), train.shape(), train.labelNames().size(),
                request.optimizer().trainingOptions(request.epochs(), epochsDone, request.seed())));
    }

    static StartingPoint of(TrainRequest request, SplitManifest train, Checkpoints checkpoints, Configuration conf) {
        Optional<Checkpoints.Checkpoint> checkpoint = request.resume() ? checkpoints.latestComplete() : Optional.empty();
        int done = checkpoint.map(c -> c.marker().epochsDone()).orElse(0);
        checkpoint.ifPresent(c -> requireSameRun(request, c.marker(), c.zip().toString()));
        boolean fineTuning = request.fineTuning() != null;
        if (checkpoint.isEmpty()) {
            ComputationGraph net = fineTuning ? FineTunedNetwork.fromBase(request, train, 0, conf) : freshNetwork(request, train, 0);
            return new StartingPoint(net, 0, List.of());
        }
        // a resumed fine-tuning run needs the structure (frozen stages, new classifier), not the base: the checkpoint has every parameter
        ComputationGraph net = fineTuning ? FineTunedNetwork.structureOnly(request, train, done) : freshNetwork(request, train, done);
        ComputationGraph saved = checkpoint.get().load(conf);
        if (saved.numParams() != net.numParams()) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.get().zip() + " holds " + saved.numParams()
                    + " parameters, " + request.model() + " on this data has " + net.numParams());
        }
        if (fineTuning) {
            FineTunedNetwork.copyParameters(saved, net, "checkpoint " + checkpoint.get().zip());
        } else {
            net.setParams(saved.params());
        }
        if (saved.getUpdater() != null && saved.getUpdater().getStateViewArray() != null) {
            INDArray state = net.getUpdater().getStateViewArray();
            if (state.length() != saved.getUpdater().getStateViewArray().length()) {
                throw new IllegalArgumentException("checkpoint " + checkpoint.get().zip() + " holds " + saved.getUpdater().getStateViewArray().length()
                        + " updater state values, this run's optimiser has " + state.length() + "; resume with the same optimiser settings");
            }
            state.assign(saved.getUpdater().getStateViewArray());
        }
        // Adam's bias correction counts iterations; the epoch counter stays 0 (the schedule carries the offset)
        net.getConfiguration().setIterationCount(saved.getConfiguration().getIterationCount());
        return new StartingPoint(net, done, checkpoint.get().marker().metrics());
    }

    private static void requireSameRun(TrainRequest request, CheckpointMarker marker, String where) {
        if (!marker.model().equals(request.model()) || marker.totalEpochs() != request.epochs() || !marker.dataUri().equals(request.dataUri())) {
            throw new IllegalArgumentException("--resume: checkpoint " + where + " is of a run of " + marker.model() + " for "
                    + marker.totalEpochs() + " epochs on " + marker.dataUri() + ", this request is " + request.model() + " for "
                    + request.epochs() + " epochs on " + request.dataUri() + "; resume with the same --model, --epochs and --data");
        }
        FineTuning tuning = request.fineTuning();
        String base = tuning == null ? null : tuning.baseModelUri();
        String frozen = tuning == null ? null : tuning.freezeThrough();
        if (!Objects.equals(marker.baseModel(), base) || !Objects.equals(marker.freezeThrough(), frozen)) {
            throw new IllegalArgumentException("--resume: checkpoint " + where + " is of " + describe(marker.baseModel(), marker.freezeThrough())
                    + ", this request is " + describe(base, frozen) + "; resume with the same command, --from and --freeze-through");
        }
        if (marker.epochsDone() > request.epochs()) {
            throw new IllegalArgumentException("--resume: checkpoint " + where + " is after epoch " + marker.epochsDone()
                    + " but the run has only " + request.epochs() + " epochs");
        }
    }

    private static String describe(String baseModel, String freezeThrough) {
        return baseModel == null ? "a run from fresh weights (train)" : "a fine-tuning of " + baseModel + " frozen through " + freezeThrough;
    }
}
