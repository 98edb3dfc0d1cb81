package org.sparkresnet.jobs.cli;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.jobs.store.ModelStore;
import org.sparkresnet.jobs.train.FineTunedNetwork;
import org.sparkresnet.jobs.train.FineTuning;
import org.sparkresnet.jobs.train.TrainRequest;
import org.sparkresnet.jobs.train.Trainer;
import org.sparkresnet.model.record.ModelRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Optional;

/**
 * {@code finetune}: the train job started from a trained model (transfer learning). Every train flag works as in
 * {@code train} (the options are train's, inherited); --from names the base model and --freeze-through the last
 * frozen stage.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tunes a trained ResNet on new classes (transfer learning, as Keras'",
                "include_top=False): every layer but the classifier starts from the base model's",
                "weights and batch-norm statistics, the classifier is new for the data's classes,",
                "and the stem through the --freeze-through stage stays frozen (weights and",
                "batch-norm running statistics never change; batch norm there normalises with",
                "the base's statistics). The rest trains exactly as 'train' does: both modes,",
                "every optimiser flag, checkpoints, --resume, metrics and report. model.zip's",
                "record holds the new classes under the base's model name.",
                "",
                "--model is read from the base's record: give it only for a zip without one.",
                "The data must have the base's input shape (prepare it with the same",
                "--image-size); a warning is printed when its normalisation or resize/crop",
                "differ from what the base model saw.",
                ""})
public final class FineTuneCommand extends TrainCommand {
    @Option(names = "--from", required = true, paramLabel = "URI",
            description = "the base model zip: a model.zip written by train, finetune or import-torchvision")
    String from;
    @Option(names = "--freeze-through", defaultValue = "none", paramLabel = "STAGE",
            description = "the last frozen stage: none (train every layer), stem (conv1), conv2, conv3, ... up to the model's last"
                    + " (conv4 for resnet20..110, conv5 for resnet18..152: then only the classifier and, in v2 nets, the final"
                    + " batch norm train); stageN means convN; default: ${DEFAULT-VALUE}")
    String freezeThrough = "none";

    @Override
    TrainRequest prepare(JavaSparkContext sc, TrainRequest request, PrintStream out) {
        Configuration conf = sc.hadoopConfiguration();
        String baseUri = HadoopFiles.qualify(from, conf);
        Optional<ModelRecord> record = ModelStore.readRecord(new org.apache.hadoop.fs.Path(baseUri), conf);
        String model = baseModelName(record, request.model(), baseUri);
        FineTuning tuning = new FineTuning(baseUri, FineTuning.parseStage(freezeThrough, model));
        String dataUri = HadoopFiles.qualify(request.dataUri(), conf);
        SplitManifest train = SplitManifest.read(new Path(dataUri, Trainer.TRAIN_SPLIT).toString(), conf);
        record.ifPresent(r -> FineTunedNetwork.preprocessingWarnings(r, train, baseUri, dataUri).forEach(out::println));
        out.printf("fine-tuning %s from %s (%s): frozen through %s, a new classifier for %d classes%n", model, baseUri,
                record.map(r -> r.labels().size() + " classes").orElse("no record"), tuning.freezeThrough(), train.labelNames().size());
        return request.withModel(model).withFineTuning(tuning);
    }

    /** The base's architecture: its record's, or --model for a zip without a record. */
    private String baseModelName(Optional<ModelRecord> record, String requested, String baseUri) {
        if (record.isPresent()) {
            String recorded = record.get().model();
            if (given("--model") && !recorded.equalsIgnoreCase(requested)) {
                throw new IllegalArgumentException("--model " + requested + " but the base model " + baseUri + " is a " + recorded
                        + " (its record says so); leave --model out");
            }
            return recorded;
        }
        if (!given("--model")) {
            throw new IllegalArgumentException("the base model " + baseUri + " has no record of its architecture (saved outside this"
                    + " project or by an older version): give it as --model, e.g. --model resnet50");
        }
        return requested;
    }
}
