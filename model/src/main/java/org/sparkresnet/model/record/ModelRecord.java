package org.sparkresnet.model.record;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonIgnore;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.nd4j.shade.jackson.annotation.JsonPropertyOrder;
import org.sparkresnet.model.InputShape;

/**
 * What a saved model needs besides its weights so that it can be put to work without the user repeating anything:
 * the class names its outputs stand for and how an image becomes its input (resize, centre crop, per-channel mean and
 * std on pixels scaled to [0, 1]). Stored inside model.zip as {@link ModelRecordZip#ENTRY}.
 *
 * @param model     the model name, e.g. resnet50
 * @param input     the input shape CxHxW
 * @param labels    class names, in output order
 * @param classIds  class ids (ImageNet wnids, folder names), in output order; the labels when there are none
 * @param mean      per-channel mean subtracted from pixels scaled to [0, 1]
 * @param std       per-channel std the centred pixels are divided by
 * @param resize    shorter side an image is scaled to before the centre crop; 0 when the data was stored as found (IDX)
 * @param imageSize side of the centre crop; 0 when the data was stored as found
 * @param dataset   the dataset the model was trained (or imported) for, e.g. fashion-mnist, folder, imagenet
 * @param source    where the weights come from: the training data's URI, or the imported file
 */
@JsonPropertyOrder({"formatVersion", "model", "input", "labels", "classIds", "mean", "std", "resize", "imageSize", "dataset", "source"})
public record ModelRecord(String model, InputShape input, List<String> labels, List<String> classIds, float[] mean, float[] std,
                          int resize, int imageSize, String dataset, String source) {
    public static final int FORMAT_VERSION = 1;

    public ModelRecord {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input");
        labels = List.copyOf(Objects.requireNonNull(labels, "labels"));
        classIds = classIds == null ? labels : List.copyOf(classIds);
        if (labels.size() < 2 || classIds.size() != labels.size()) {
            throw new IllegalArgumentException("model record: need >= 2 labels and as many class ids, got " + labels.size()
                    + " labels and " + classIds.size() + " class ids");
        }
        if (mean == null || std == null || mean.length != input.channels() || std.length != input.channels()) {
            throw new IllegalArgumentException("model record: need one mean and one std per input channel (" + input.channels()
                    + "), got " + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("model record: std must be > 0, got " + Arrays.toString(std));
            }
        }
        if (resize < 0 || imageSize < 0 || resize < imageSize || (imageSize > 0 && (imageSize != input.height() || imageSize != input.width()))) {
            throw new IllegalArgumentException("model record: need 0 <= imageSize <= resize and imageSize equal to the input's side ("
                    + input + "), got resize " + resize + ", imageSize " + imageSize);
        }
        mean = mean.clone();
        std = std.clone();
    }

    @JsonCreator
    static ModelRecord fromJson(@JsonProperty("formatVersion") int formatVersion, @JsonProperty("model") String model,
                                @JsonProperty("input") String input, @JsonProperty("labels") List<String> labels,
                                @JsonProperty("classIds") List<String> classIds, @JsonProperty("mean") float[] mean,
                                @JsonProperty("std") float[] std, @JsonProperty("resize") int resize,
                                @JsonProperty("imageSize") int imageSize, @JsonProperty("dataset") String dataset,
                                @JsonProperty("source") String source) {
        if (formatVersion != FORMAT_VERSION) {
            throw new IllegalArgumentException("model record format version " + formatVersion + " is not supported, expected "
                    + FORMAT_VERSION + " (written by a newer spark-resnet?)");
        }
        return new ModelRecord(model, InputShape.parse(input), labels, classIds, mean, std, resize, imageSize, dataset, source);
    }

    @JsonProperty("formatVersion")
    int formatVersion() {
        return FORMAT_VERSION;
    }

    @JsonProperty("input")
    String inputText() {
        return input.toString();
    }

    @JsonIgnore
    @Override
    public InputShape input() {
        return input;
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    public int numClasses() {
        return labels.size();
    }

    /** True when images were stored as found (IDX data): no resize and crop recorded. */
    @JsonIgnore
    public boolean storedAsFound() {
        return imageSize == 0;
    }

    /** The same record for another set of classes (a new head), e.g. after fine-tuning. */
    public ModelRecord withClasses(List<String> newLabels, List<String> newClassIds) {
        return new ModelRecord(model, input, newLabels, newClassIds, mean, std, resize, imageSize, dataset, source);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ModelRecord that && model.equals(that.model) && input.equals(that.input) && labels.equals(that.labels)
                && classIds.equals(that.classIds) && Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std)
                && resize == that.resize && imageSize == that.imageSize && Objects.equals(dataset, that.dataset)
                && Objects.equals(source, that.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, input, labels, classIds, Arrays.hashCode(mean), Arrays.hashCode(std), resize, imageSize, dataset, source);
    }

    @Override
    public String toString() {
        return model + " " + input + ", " + labels.size() + " classes, mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std)
                + (storedAsFound() ? ", images as stored" : ", shorter side to " + resize + ", centre crop " + imageSize)
                + (dataset == null ? "" : ", trained for " + dataset);
    }
}
