package org.sparkresnet.model.layers;

import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's ElementWiseVertex(Add) configuration (same JSON apart from the class name) for a residual block's sum of
 * its branch and its shortcut, whose vertices are {@link ResidualAddVertex}es: no copies of the gradient. Models
 * saved with it name this class in their JSON.
 */
public class ResidualAdd extends ElementWiseVertex {
    private static final long serialVersionUID = 1L;

    public ResidualAdd() {
        super(Op.Add);
    }

    @Override
    public GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
                                   boolean initializeParams, DataType networkDatatype) {
        return new ResidualAddVertex(graph, name, idx, networkDatatype);
    }

    @Override
    public ResidualAdd clone() {
        // ElementWiseVertex.clone() builds a plain ElementWiseVertex: keep the class
        return new ResidualAdd();
    }
}
