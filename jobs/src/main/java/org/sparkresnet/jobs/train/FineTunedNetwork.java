package org.sparkresnet.jobs.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.LayerNames;
import org.sparkresnet.model.ResNets;
import org.sparkresnet.model.record.ModelRecord;
import org.sparkresnet.model.record.ModelRecordZip;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The network a fine-tuning run ({@link FineTuning}) trains: the request's model built fresh for the new data's
 * classes with the request's optimiser (updater and learning-rate schedule, weight decay and its mode, label smoothing,
 * seed: exactly what {@code train} builds), every layer but the classifier then taking the base model's parameters
 * (weights and batch-norm running statistics), and the stem through the chosen stage frozen with DL4J's
 * TransferLearning (FrozenLayer: no updates, batch norm in inference mode, so its running statistics stay the base's).
 *
 * <p>Built this way rather than by {@code ResNets.replaceHead}, whose FineTuneConfiguration gives the new head plain
 * cross-entropy (no label smoothing) and every layer decoupled weight decay whatever --weight-decay-mode says.
 */
public final class FineTunedNetwork {
    private static final String STEM_CONV = "conv1_conv";
    private FineTunedNetwork() {
    }

    /** The network for a fresh fine-tuning run: the base's parameters in every layer but the new classifier. */
    public static ComputationGraph fromBase(TrainRequest request, SplitManifest train, int epochsDone, Configuration conf) {
        FineTuning tuning = request.fineTuning();
        Path basePath = new Path(tuning.baseModelUri());
        ModelRecordZip.SavedModel base = ModelStore.loadWithRecord(basePath, conf);
        base.record().ifPresent(record -> requireCompatible(record, request, train));
        ComputationGraph fresh = StartingPoint.freshNetwork(request, train, epochsDone);
        copyAllButHead(base.network(), fresh, request, train);
        return frozen(fresh, tuning.freezeThroughStage());
    }

    /**
     * The network of a fine-tuning run resumed from a checkpoint: the same structure (frozen stages, new classifier)
     * without reading the base model, whose parameters the checkpoint's replace anyway.
     */
    public static ComputationGraph structureOnly(TrainRequest request, SplitManifest train, int epochsDone) {
        return frozen(StartingPoint.freshNetwork(request, train, epochsDone), request.fineTuning().freezeThroughStage());
    }

    /** Copies every parameter of {@code from} into {@code to}, layer by layer and by name; both must have the same layers. */
    public static void copyParameters(ComputationGraph from, ComputationGraph to, String where) {
        for (Layer target : to.getLayers()) {
            String name = target.conf().getLayer().getLayerName();
            copyLayer(from, to, name, where);
        }
    }

    /** The layers of the stem through {@code stage} (0: none), by name, in {@code net}'s order. */
    public static List<String> frozenLayerNames(ComputationGraph net, int stage) {
        List<String> names = new ArrayList<>();
        for (Layer layer : net.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            int s = stageNumber(name);
            if (s >= 1 && s <= stage) {
                names.add(name);
            }
        }
        return names;
    }

    /** The base's architecture and input must be the request's model and the data's images. */
    static void requireCompatible(ModelRecord record, TrainRequest request, SplitManifest train) {
        String model = request.model();
        String baseUri = request.baseModelUri();
        if (!record.model().equalsIgnoreCase(model)) {
            throw new IllegalArgumentException("base model " + baseUri + " is a " + record.model() + ", the request names --model " + model);
        }
        if (!record.input().equals(train.shape())) {
            throw new IllegalArgumentException("base model " + baseUri + " takes " + record.input() + " images, the data " + request.dataUri()
                    + " holds " + train.shape() + " images; prepare the data at the base's size (prepare --image-size)");
        }
    }

    /**
     * Lines for the user when the new data was prepared differently from what the base model was trained on (other
     * normalisation or other resize and crop): not an error, but the base's features will see other inputs.
     */
    public static List<String> preprocessingWarnings(ModelRecord base, SplitManifest train, String baseUri, String dataUri) {
        List<String> warnings = new ArrayList<>();
        if (!Arrays.equals(base.mean(), train.mean()) || !Arrays.equals(base.std(), train.std())) {
            warnings.add("warning: the base model " + baseUri + " saw images normalised with mean " + Arrays.toString(base.mean()) + ", std "
                    + Arrays.toString(base.std()) + "; the data " + dataUri + " is normalised with mean " + Arrays.toString(train.mean())
                    + ", std " + Arrays.toString(train.std()));
        }
        int resize = train.preprocessing().resize();
        int crop = train.preprocessing().imageSize();
        if (base.resize() != resize || base.imageSize() != crop) {
            warnings.add("warning: the base model " + baseUri + " saw images " + geometry(base.resize(), base.imageSize()) + "; the data "
                    + dataUri + " was prepared " + geometry(resize, crop));
        }
        return warnings;
    }

    private static String geometry(int resize, int crop) {
        return crop == 0 ? "as stored (no resize, no crop)" : "with the shorter side scaled to " + resize + " and a centre crop of " + crop;
    }

    private static void copyAllButHead(ComputationGraph base, ComputationGraph fresh, TrainRequest request, SplitManifest train) {
        String model = request.model();
        String baseUri = request.baseModelUri();
        Set<String> baseLayers = layerNames(base);
        Set<String> freshLayers = layerNames(fresh);
        baseLayers.remove(ResNets.OUTPUT);
        freshLayers.remove(ResNets.OUTPUT);
        if (!baseLayers.equals(freshLayers)) {
            Set<String> missing = new TreeSet<>(freshLayers);
            missing.removeAll(baseLayers);
            Set<String> extra = new TreeSet<>(baseLayers);
            extra.removeAll(freshLayers);
            throw new IllegalArgumentException("base model " + baseUri + " is not a " + model + ": it lacks " + first(missing) + " and has "
                    + first(extra) + " that " + model + " does not; pass the base's architecture as --model");
        }
        Layer stem = base.getLayer(STEM_CONV);
        if (stem != null) {
            long channels = stem.getParam("W").size(1);
            if (channels != train.shape().channels()) {
                throw new IllegalArgumentException("base model " + baseUri + " takes " + channels + "-channel images, the data " + request.dataUri()
                        + " holds " + train.shape() + " images");
            }
        }
        for (String name : freshLayers) {
            copyLayer(base, fresh, name, baseUri);
        }
    }

    private static void copyLayer(ComputationGraph from, ComputationGraph to, String name, String where) {
        Layer source = from.getLayer(name);
        Layer target = to.getLayer(name);
        if (source == null) {
            throw new IllegalArgumentException(where + " has no layer " + name);
        }
        Map<String, INDArray> targetParams = target.paramTable();
        Map<String, INDArray> sourceParams = source.paramTable();
        if (!targetParams.keySet().equals(sourceParams.keySet())) {
            throw new IllegalArgumentException(where + ": layer " + name + " has parameters " + sourceParams.keySet() + ", expected "
                    + targetParams.keySet());
        }
        for (Map.Entry<String, INDArray> p : targetParams.entrySet()) {
            INDArray value = sourceParams.get(p.getKey());
            if (!Arrays.equals(value.shape(), p.getValue().shape())) {
                throw new IllegalArgumentException(where + ": layer " + name + " parameter " + p.getKey() + " has shape "
                        + Arrays.toString(value.shape()) + ", expected " + Arrays.toString(p.getValue().shape()));
            }
            p.getValue().assign(value);
        }
    }

    /** {@code net} with the stem through {@code stage} frozen (itself when stage is 0); iteration and epoch counters at 0. */
    private static ComputationGraph frozen(ComputationGraph net, int stage) {
        if (stage == 0) {
            return net;
        }
        int[] order = net.topologicalSortOrder();
        GraphVertex[] vertices = net.getVertices();
        String boundary = null;
        for (int index : order) {
            int s = stageNumber(vertices[index].getVertexName());
            if (s >= 1 && s <= stage) {
                boundary = vertices[index].getVertexName(); // the stage's last vertex: freezing it freezes all its ancestors
            }
        }
        if (boundary == null) {
            throw new IllegalArgumentException("the network has no stage up to " + FineTuning.stageName(stage) + " to freeze");
        }
        ComputationGraph tuned = new TransferLearning.GraphBuilder(net).setFeatureExtractor(boundary).build();
        tuned.getConfiguration().setIterationCount(0);
        tuned.getConfiguration().setEpochCount(0);
        return tuned;
    }

    /** 1 for the stem, N for convN, 0 for the input, -1 for the head (as ResNets.replaceHead numbers them). */
    static int stageNumber(String vertexName) {
        String stage = LayerNames.stageOf(vertexName);
        if (stage == null) {
            return 0;
        }
        if (stage.equals(LayerNames.STEM_STAGE)) {
            return 1;
        }
        if (stage.equals(LayerNames.HEAD_STAGE)) {
            return -1;
        }
        return Integer.parseInt(stage.substring("conv".length()));
    }

    private static Set<String> layerNames(ComputationGraph net) {
        Set<String> names = new TreeSet<>();
        for (Layer layer : net.getLayers()) {
            names.add(layer.conf().getLayer().getLayerName());
        }
        return names;
    }

    private static String first(Set<String> names) {
        if (names.isEmpty()) {
            return "nothing";
        }
        List<String> list = new ArrayList<>(names);
        return list.size() <= 3 ? String.join(", ", list) : String.join(", ", list.subList(0, 3)) + " and " + (list.size() - 3) + " more";
    }
}
