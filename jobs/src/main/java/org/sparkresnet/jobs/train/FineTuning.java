package org.sparkresnet.jobs.train;

import org.sparkresnet.model.ResNets;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run that starts from a trained model instead of fresh weights (transfer learning, Keras' include_top=False): every
 * layer but the classifier takes the base model's weights and batch-norm statistics, the classifier is new for the
 * data's classes, and the stages up to {@code freezeThroughStage} are frozen (their weights and batch-norm running
 * statistics never change; batch norm in them normalises with the base's statistics).
 *
 * @param baseModelUri       the base model zip (a train job's model.zip or an imported one), a Hadoop FS URI
 * @param freezeThroughStage 0: nothing frozen, 1: the stem (conv1_*), N >= 2: the stem through stage convN
 */
public record FineTuning(String baseModelUri, int freezeThroughStage) {
    private static final Pattern NUMBERED = Pattern.compile("(conv|stage)(\\d+)");

    public FineTuning {
        if (baseModelUri == null || baseModelUri.isBlank()) {
            throw new IllegalArgumentException("--from is required: the base model zip to fine-tune");
        }
        if (freezeThroughStage < 0) {
            throw new IllegalArgumentException("freeze-through stage must be >= 0, got " + freezeThroughStage);
        }
    }

    /** The stage's name as --freeze-through takes it: none, stem, conv2, conv3, ... */
    public String freezeThrough() {
        return stageName(freezeThroughStage);
    }

    public static String stageName(int stage) {
        return switch (stage) {
            case 0 -> "none";
            case 1 -> "stem";
            default -> "conv" + stage;
        };
    }

    /** The last stage of {@code model}: 1 + its residual stages (4 for resnet20, 5 for resnet50). */
    public static int lastStage(String model) {
        return ResNets.architecture(model).stageCount() + 1;
    }

    /** What --freeze-through accepts for {@code model}: none, stem, conv2 .. convN. */
    public static List<String> stageNames(String model) {
        List<String> names = new ArrayList<>();
        for (int stage = 0; stage <= lastStage(model); stage++) {
            names.add(stageName(stage));
        }
        return names;
    }

    /**
     * The stage number of a --freeze-through value for {@code model}: none, stem (also conv1), convN, or stageN meaning
     * the same number (stage1 the stem, stage3 = conv3, the numbering of the ResNet paper's conv1..conv5 stages).
     *
     * @throws IllegalArgumentException naming the value and the stages {@code model} has
     */
    public static int parseStage(String value, String model) {
        String name = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        int stage = -1;
        if (name.equals("none") || name.equals("stage0")) {
            stage = 0;
        } else if (name.equals("stem")) {
            stage = 1;
        } else {
            Matcher m = NUMBERED.matcher(name);
            if (m.matches() && m.group(2).length() <= 3) {
                stage = Integer.parseInt(m.group(2));
                if (m.group(1).equals("conv") && stage == 0) {
                    stage = -1;
                }
            }
        }
        int last = lastStage(model);
        if (stage < 0 || stage > last) {
            throw new IllegalArgumentException("--freeze-through '" + value + "' is not a stage of " + model + ": use one of "
                    + String.join(", ", stageNames(model)) + " (conv1 is the stem; stageN means convN)");
        }
        return stage;
    }
}
