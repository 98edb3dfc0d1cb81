package org.sparkresnet.model;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonAutoDetect;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * SGD with plain (heavy-ball) momentum, as in Goyal et al. 2017 (eq. 9) and PyTorch's {@code SGD(momentum=m)}:
 * v = m v + g, then the parameters move by -lr v. DL4J 1.0.0-M2.1 has only {@code Sgd} (no momentum) and
 * {@code Nesterovs} (Nesterov momentum, with the rate inside the velocity). The rate stays outside the velocity here,
 * so a change of the rate (warm-up, step decay) takes effect at once and needs no momentum correction (Goyal et al.
 * section 2.2). Weight decay configured as L2 enters g, and so the velocity, as in PyTorch.
 *
 * <p>Saved models name this class and its fields in their JSON, so it must stay here and keep them.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        setterVisibility = JsonAutoDetect.Visibility.NONE)
public final class MomentumSgd implements IUpdater {
    private static final long serialVersionUID = 1L;
    /** The velocity's key in the updater state, as in DL4J's Nesterovs. */
    public static final String VELOCITY = "V";

    private double learningRate;
    private ISchedule learningRateSchedule;
    private double momentum;

    @JsonCreator
    public MomentumSgd(@JsonProperty("learningRate") double learningRate,
                       @JsonProperty("learningRateSchedule") ISchedule learningRateSchedule,
                       @JsonProperty("momentum") double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.learningRate = learningRate;
        this.learningRateSchedule = learningRateSchedule;
        this.momentum = momentum;
    }

    public MomentumSgd(double learningRate, double momentum) {
        this(learningRate, null, momentum);
    }

    public MomentumSgd(ISchedule learningRateSchedule, double momentum) {
        this(Double.NaN, learningRateSchedule, momentum);
    }

    public double getMomentum() {
        return momentum;
    }

    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    @Override
    public long stateSize(long numParams) {
        return numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater updater = new Updater(this);
        updater.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return updater;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        Updater updater = new Updater(this);
        updater.setState(updaterState, initializeStateArrays);
        return updater;
    }

    @Override
    public MomentumSgd clone() {
        return new MomentumSgd(learningRate, learningRateSchedule == null ? null : learningRateSchedule.clone(), momentum);
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MomentumSgd other && Double.compare(other.learningRate, learningRate) == 0
                && Double.compare(other.momentum, momentum) == 0 && Objects.equals(other.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, momentum);
    }

    @Override
    public String toString() {
        return "MomentumSgd(learningRate=" + (learningRateSchedule != null ? learningRateSchedule : learningRate)
                + ", momentum=" + momentum + ")";
    }

    /** The velocity of one updater block and the step it turns a gradient into. */
    static final class Updater implements GradientUpdater<MomentumSgd> {
        private final MomentumSgd config;
        private INDArray velocity;

        Updater(MomentumSgd config) {
            this.config = config;
        }

        @Override
        public MomentumSgd getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> stateMap, boolean initialize) {
            if (stateMap == null || stateMap.size() != 1 || !stateMap.containsKey(VELOCITY)) {
                throw new IllegalStateException("MomentumSgd's state is one array under key " + VELOCITY + ", got "
                        + (stateMap == null ? null : stateMap.keySet()));
            }
            velocity = stateMap.get(VELOCITY);
            if (initialize) {
                velocity.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Collections.singletonMap(VELOCITY, velocity);
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
            if (initialize) {
                viewArray.assign(0);
            }
            velocity = viewArray.reshape(gradientOrder, gradientShape);
        }

        /** v = m v + g; the gradient array becomes the step lr x v, which DL4J subtracts from the parameters. */
        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            if (velocity == null) {
                throw new IllegalStateException("MomentumSgd updater has no state view array");
            }
            double rate = config.getLearningRate(iteration, epoch);
            velocity.muli(config.momentum).addi(gradient);
            gradient.assign(velocity).muli(rate);
        }
    }
}
