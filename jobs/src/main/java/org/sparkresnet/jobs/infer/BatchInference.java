package org.sparkresnet.jobs.infer;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkresnet.data.fs.SerializableConfiguration;
import org.sparkresnet.data.image.BadImageException;
import org.sparkresnet.data.shard.Minibatches;
import org.sparkresnet.data.shard.Normalization;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.record.ModelRecord;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The work of one partition: rows in groups of {@code batchSize}, each group's images preprocessed into one minibatch
 * and run through the network in one call; every input row comes out once, in order, with the output (and error)
 * values appended. The network is this task's own copy of the executor's cached model (see {@link ModelCache}).
 */
final class BatchInference implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;

    private final String modelUri;
    private final SerializableConfiguration conf;
    private final int inputIndex;
    private final int pathIndex;
    private final InputKind inputKind;
    private final OutputKind outputKind;
    private final int topK;
    private final int batchSize;
    private final boolean failOnError;

    BatchInference(String modelUri, SerializableConfiguration conf, int inputIndex, int pathIndex, InputKind inputKind,
                   OutputKind outputKind, int topK, int batchSize, boolean failOnError) {
        this.modelUri = modelUri;
        this.conf = conf;
        this.inputIndex = inputIndex;
        this.pathIndex = pathIndex;
        this.inputKind = inputKind;
        this.outputKind = outputKind;
        this.topK = topK;
        this.batchSize = batchSize;
        this.failOnError = failOnError;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return rows;
        }
        ModelCache.Loaded loaded = ModelCache.get(modelUri, conf.get());
        ComputationGraph net = loaded.borrow();
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> loaded.giveBack(net));
        }
        return new Batches(rows, net, loaded.record());
    }

    /** Fills one batch of output rows at a time from the input rows. */
    private final class Batches implements Iterator<Row> {
        private final Iterator<Row> input;
        private final ComputationGraph net;
        private final ModelRecord record;
        private final ImagePixels pixels;
        private final Normalization normalization;
        private final byte[] batchPixels;
        private final List<Row> ready = new ArrayList<>();
        private int next;

        Batches(Iterator<Row> input, ComputationGraph net, ModelRecord record) {
            this.input = input;
            this.net = net;
            this.record = record;
            this.pixels = new ImagePixels(record);
            this.normalization = new Normalization(record.mean(), record.std(), record.numClasses());
            this.batchPixels = new byte[batchSize * pixels.bytesPerImage()];
        }

        @Override
        public boolean hasNext() {
            if (next < ready.size()) {
                return true;
            }
            ready.clear();
            next = 0;
            if (!input.hasNext()) {
                return false;
            }
            fillBatch();
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.get(next++);
        }

        private void fillBatch() {
            List<Row> rows = new ArrayList<>(batchSize);
            while (rows.size() < batchSize && input.hasNext()) {
                rows.add(input.next());
            }
            String[] errors = new String[rows.size()];
            int[] sources = new int[rows.size()];
            int good = 0;
            int bytes = pixels.bytesPerImage();
            for (int i = 0; i < rows.size(); i++) {
                Row row = rows.get(i);
                Object value = row.get(inputIndex);
                try {
                    pixels.into(inputKind, value, batchPixels, good * bytes);
                    sources[good] = good * bytes;
                    good++;
                } catch (BadImageException | RuntimeException e) {
                    String name = name(row, value);
                    String message = (name == null ? "" : name + ": ") + e.getMessage();
                    if (failOnError) {
                        throw new IllegalArgumentException("cannot read image " + message + " (failOnError is set)", e);
                    }
                    errors[i] = message;
                }
            }
            float[][] outputs = good == 0 ? new float[0][] : run(java.util.Arrays.copyOf(sources, good));
            int o = 0;
            for (int i = 0; i < rows.size(); i++) {
                Object result = errors[i] == null ? result(outputs[o++]) : null;
                ready.add(append(rows.get(i), result, errors[i]));
            }
        }

        private float[][] run(int[] sources) {
            InputShape shape = record.input();
            INDArray features = Minibatches.decode(batchPixels, sources, new int[sources.length], shape, normalization, null, null).getFeatures();
            String vertex = outputKind == OutputKind.FEATURES ? ResNets.FEATURES : ResNets.OUTPUT;
            INDArray out = net.output(List.of(vertex), false, new INDArray[] {features}, null)[0];
            InferenceCounters.record(sources.length);
            float[][] rows = out.toFloatMatrix();
            features.close();
            out.close();
            return rows;
        }

        private Object result(float[] output) {
            if (outputKind == OutputKind.FEATURES) {
                return output;
            }
            int k = Math.min(topK, output.length);
            Integer[] order = new Integer[output.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Float.compare(output[b], output[a]));
            String[] labels = new String[k];
            float[] probabilities = new float[k];
            for (int i = 0; i < k; i++) {
                labels[i] = record.labels().get(order[i]);
                probabilities[i] = output[order[i]];
            }
            return RowFactory.create(labels, probabilities);
        }

        private String name(Row row, Object value) {
            String origin = ImagePixels.origin(inputKind, value);
            if (origin != null) {
                return origin;
            }
            return pathIndex >= 0 && !row.isNullAt(pathIndex) ? row.get(pathIndex).toString() : null;
        }
    }

    private static Row append(Row row, Object result, String error) {
        Object[] values = new Object[row.length() + 2];
        for (int i = 0; i < row.length(); i++) {
            values[i] = row.get(i);
        }
        values[row.length()] = result;
        values[row.length() + 1] = error;
        return RowFactory.create(values);
    }
}
