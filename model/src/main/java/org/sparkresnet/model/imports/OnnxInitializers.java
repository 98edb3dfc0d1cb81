package org.sparkresnet.model.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import onnx.Onnx;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The initializers (weights) of an ONNX model, by name, as float arrays of their ONNX shape. Read with the ONNX
 * protobuf classes nd4j-api ships ({@code onnx.Onnx}); only float32 tensors stored inside the file are accepted.
 */
public final class OnnxInitializers {
    private OnnxInitializers() {
    }

    /** @throws IllegalArgumentException for a file that is not an ONNX model or holds a tensor this cannot read */
    public static Map<String, INDArray> read(Path onnxFile) throws IOException {
        Onnx.ModelProto model;
        try (InputStream in = Files.newInputStream(onnxFile)) {
            model = Onnx.ModelProto.parseFrom(in);
        } catch (org.nd4j.shade.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(onnxFile + " is not an ONNX model: " + e.getMessage(), e);
        }
        if (!model.hasGraph() || model.getGraph().getInitializerCount() == 0) {
            throw new IllegalArgumentException(onnxFile + " holds no ONNX graph with weights (initializers)");
        }
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        for (Onnx.TensorProto tensor : model.getGraph().getInitializerList()) {
            tensors.put(tensor.getName(), toArray(onnxFile, tensor));
        }
        return tensors;
    }

    private static INDArray toArray(Path file, Onnx.TensorProto tensor) {
        if (tensor.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE && !tensor.getName().endsWith(".num_batches_tracked")) {
            throw new IllegalArgumentException(file + ": tensor " + tensor.getName() + " has ONNX data type "
                    + tensor.getDataType() + ", only float32 (1) is supported");
        }
        if (tensor.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException(file + ": tensor " + tensor.getName()
                    + " is stored in an external file, which is not supported");
        }
        List<Long> dims = tensor.getDimsList();
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        if (tensor.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE) {
            // num_batches_tracked (int64): ignored by the import, kept only so its name is known
            return Nd4j.zeros(DataType.FLOAT, shape);
        }
        float[] values = new float[Math.toIntExact(count)];
        if (!tensor.getRawData().isEmpty()) {
            ByteBuffer raw = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (raw.remaining() != values.length * 4L) {
                throw new IllegalArgumentException(file + ": tensor " + tensor.getName() + " has " + raw.remaining()
                        + " bytes of data for shape " + dims);
            }
            raw.asFloatBuffer().get(values);
        } else {
            if (tensor.getFloatDataCount() != values.length) {
                throw new IllegalArgumentException(file + ": tensor " + tensor.getName() + " has "
                        + tensor.getFloatDataCount() + " values for shape " + dims);
            }
            for (int i = 0; i < values.length; i++) {
                values[i] = tensor.getFloatData(i);
            }
        }
        return shape.length == 0 ? Nd4j.scalar(values[0]) : Nd4j.create(values, shape, 'c');
    }
}
