package org.sparkresnet.jobs.dl4jfix;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.sparkresnet.jobs.train.TaskCopies;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;

/**
 * Workaround for dl4j-spark-parameterserver 1.0.0-M2: on gradient-sharing workers the epoch counter does not
 * follow the driver's epochs, so an epoch-based learning-rate schedule (our warm-up and decay) runs at the wrong
 * epoch's rate.
 *
 * <p>SharedTrainingWrapper sets the counter once, on the model of an executor's first fit (from the parameter
 * server's start position, 0), and trains that model in every later fit, where each task's fit may or may not
 * advance it. Measured: on a local-cluster the workers still trained at epoch 0's warm-up rate in epoch 2; in
 * local mode the counter moved on once per task, so epoch 0 already ran partly at later epochs' rates.
 *
 * <p>The driver sets the run's epoch here before each fit ({@link #setEpoch}); the value travels with every task,
 * and at the start of each task's fit the current task's copy (see {@link TaskCopies}) writes it into the model
 * being trained. Tested in SharingEpochCounterTest.
 */
public final class SharingEpochCounter extends BaseTrainingListener implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final TaskCopies<SharingEpochCounter> COPIES = new TaskCopies<>();

    private int epoch;

    /** The 0-based epoch of this run (the schedule adds the epochs a resumed run had done) that the next fit trains. */
    public void setEpoch(int epoch) {
        this.epoch = epoch;
    }

    @Override
    public void onEpochStart(Model model) {
        if (model instanceof ComputationGraph graph) {
            graph.getConfiguration().setEpochCount(COPIES.current(this).epoch);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        COPIES.register(this);
    }
}
