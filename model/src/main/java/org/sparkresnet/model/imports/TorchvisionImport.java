package org.sparkresnet.model.imports;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkresnet.model.Architecture;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.Stem;
import org.sparkresnet.model.TrainingOptions;
import org.sparkresnet.model.Variant;

/**
 * A torchvision ResNet (resnet18..152) exported to ONNX by PyTorch with batch norm kept (not folded), as this
 * project's graph: the project's own configuration of the same model, every parameter filled from the tensor of its
 * torchvision name ({@link TorchvisionNames}). Any missing, unexpected or misshapen tensor is refused, named with the
 * expected shape. Batch norm uses torch's epsilon (1e-5) and stores the running variance, as torch does.
 */
public final class TorchvisionImport {
    /** torch.nn.BatchNorm2d's default epsilon, which torchvision's ResNets use. */
    static final double TORCH_BATCH_NORM_EPSILON = 1e-5;

    /** One parameter view of the graph and the tensor it takes. */
    private record Copy(INDArray target, INDArray tensor, boolean transposed) {
    }

    private TorchvisionImport() {
    }

    /**
     * @param classes the classifier's width, or null to take it from fc.weight
     * @throws IllegalArgumentException naming the model or tensor that does not fit
     */
    public static ComputationGraph fromOnnx(Path onnxFile, String model, Integer classes, InputShape input) throws IOException {
        return fromTensors(OnnxInitializers.read(onnxFile), model, classes, input, onnxFile.toString());
    }

    /** As {@link #fromOnnx}, from tensors already read; {@code source} names them in messages. */
    public static ComputationGraph fromTensors(Map<String, INDArray> tensors, String model, Integer classes,
                                               InputShape input, String source) {
        Architecture architecture = ResNets.architecture(model);
        if (architecture.variant() != Variant.RESIDUAL || !architecture.stem().equals(Stem.IMAGENET)) {
            throw new IllegalArgumentException("torchvision import supports resnet18, resnet34, resnet50, resnet101 and "
                    + "resnet152, not " + model);
        }
        int numClasses = classes != null ? classes : classesOf(tensors.get("fc.weight"));
        ComputationGraph graph = ResNets.build(new ModelRequest(model, input, numClasses, TrainingOptions.defaults()));

        List<Copy> copies = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Layer layer : graph.getLayers()) {
            checkBatchNorm(layer);
            String name = layer.conf().getLayer().getLayerName();
            for (Map.Entry<String, INDArray> param : layer.paramTable().entrySet()) {
                TorchvisionNames.Slot slot = TorchvisionNames.slot(name, param.getKey());
                INDArray target = param.getValue();
                long[] expected = torchShape(target, slot, param.getKey());
                INDArray tensor = tensors.get(slot.torchName());
                used.add(slot.torchName());
                if (tensor == null) {
                    problems.add("missing tensor " + slot.torchName() + " (expected shape " + Arrays.toString(expected) + ")");
                } else if (!Arrays.equals(tensor.shape(), expected)) {
                    problems.add("tensor " + slot.torchName() + " has shape " + Arrays.toString(tensor.shape())
                            + ", expected " + Arrays.toString(expected));
                } else {
                    copies.add(new Copy(target, tensor, slot.transposed()));
                }
            }
        }
        for (Map.Entry<String, INDArray> tensor : tensors.entrySet()) {
            if (!used.contains(tensor.getKey()) && !TorchvisionNames.ignored(tensor.getKey())) {
                problems.add("unexpected tensor " + tensor.getKey() + " (shape " + Arrays.toString(tensor.getValue().shape())
                        + ") has no place in " + model);
            }
        }
        if (!problems.isEmpty()) {
            int shown = Math.min(problems.size(), 8);
            throw new IllegalArgumentException("cannot import " + source + " as torchvision " + model + " with "
                    + numClasses + " classes: " + String.join("; ", problems.subList(0, shown))
                    + (problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : ""));
        }
        for (Copy copy : copies) {
            copy.target().assign(copy.transposed() ? copy.tensor().transpose() : copy.tensor().reshape(copy.target().shape()));
        }
        return graph;
    }

    private static int classesOf(INDArray fcWeight) {
        // Without fc.weight the import fails naming it; the class count then only shapes the message.
        return fcWeight != null && fcWeight.rank() == 2 ? (int) fcWeight.size(0) : 1000;
    }

    /** The shape torchvision gives the tensor for {@code target}: vectors for batch norm and biases. */
    private static long[] torchShape(INDArray target, TorchvisionNames.Slot slot, String key) {
        if (slot.transposed()) {
            return new long[]{target.size(1), target.size(0)};
        }
        return key.equals("W") ? target.shape() : new long[]{target.length()};
    }

    private static void checkBatchNorm(Layer layer) {
        if (layer.conf().getLayer() instanceof BatchNormalization bn) {
            if (bn.isUseLogStd() || Math.abs(bn.getEps() - TORCH_BATCH_NORM_EPSILON) > 1e-12) {
                throw new IllegalStateException("batch norm " + bn.getLayerName() + " must store the variance with epsilon "
                        + TORCH_BATCH_NORM_EPSILON + " to take torch's statistics (useLogStd " + bn.isUseLogStd()
                        + ", eps " + bn.getEps() + ")");
            }
        }
    }
}
