package org.sparkresnet.model;

import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * How the layers of a graph are configured, apart from the architecture.
 *
 * @param dataType       FLOAT for training; DOUBLE for gradient checks
 * @param projectLayers  the project's layer classes: {@link org.sparkresnet.model.layers.RowwiseBatchNormalization}
 *                       (variance parameterisation, the project's batch-norm helper on CPU) and
 *                       {@link org.sparkresnet.model.layers.ForwardOnceConvolution} (no forward replay in backprop).
 *                       {@code false} gives DL4J's stock layers (BN in log-std parameterisation, DL4J's own code).
 */
public record GraphSettings(DataType dataType, boolean projectLayers) {
    public GraphSettings {
        Objects.requireNonNull(dataType, "dataType");
        if (!dataType.isFPType()) {
            throw new IllegalArgumentException("dataType must be a floating point type, got " + dataType);
        }
    }

    /** The project's configuration: float, the project's layers. */
    public static GraphSettings fast() {
        return new GraphSettings(DataType.FLOAT, true);
    }

    /** DL4J's out-of-the-box layer configuration, the benchmark baseline. */
    public static GraphSettings stock() {
        return new GraphSettings(DataType.FLOAT, false);
    }

    public GraphSettings withDataType(DataType newDataType) {
        return new GraphSettings(newDataType, projectLayers);
    }
}
