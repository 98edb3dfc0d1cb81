package org.sparkresnet.jobs.infer;

import picocli.CommandLine.Option;

import java.util.List;

/** The options predict and features share. */
public final class InferenceOptions {
    @Option(names = "--model", required = true, paramLabel = "URI", description = "model zip written by 'train' (or 'import-torchvision'), with its record")
    String model;
    @Option(names = "--input", arity = "1..*", paramLabel = "URI",
            description = {"image folder trees (recursive; .jpg .jpeg .png .bmp .tif .tiff .webp), image files, or one or more prepared splits",
                    "(folders holding manifest.json: their examples, with the true label as a column)"})
    List<String> inputs;
    @Option(names = "--input-list", paramLabel = "URI", description = "a text file naming one image URI per line ('#' comments and blank lines skipped)")
    String inputList;
    @Option(names = "--output", required = true, paramLabel = "URI", description = "output folder, written atomically; refused if it exists unless --overwrite")
    String output;
    @Option(names = "--batch-size", defaultValue = "32", description = "images per network call; default: ${DEFAULT-VALUE}")
    int batchSize;
    @Option(names = "--fail-on-error", description = "fail on an unreadable image (naming it) instead of writing a null result and its error")
    boolean failOnError;
    @Option(names = "--overwrite", description = "replace an existing output folder (once the new one is complete)")
    boolean overwrite;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master when not launched by spark-submit; default: local[*]")
    String master;
}
