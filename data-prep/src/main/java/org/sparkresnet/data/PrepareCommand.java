package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.sparkresnet.data.spark.SparkContexts;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import scala.Tuple2;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** The prepare job on the command line: parses and checks options, then runs {@link PrepareJob}. */
@Command(name = "prepare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Converts a dataset into uint8 shard files for training: IDX files (mnist, fashion-mnist, plain or .gz),",
                "or an image folder tree (imagenet: class folders or the ILSVRC archive layout; folder: classes = sorted folder names).",
                "Writes OUTPUT/train/ and OUTPUT/test/ (from val/ or test/): shard-NNNNN.bin files, then manifest.json.",
                "Paths are Hadoop FS URIs: file:, hdfs://, s3a:// (credentials from the environment or Hadoop configuration).", ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:unexpected failure (stack trace printed)", "2:bad options or input data (one-line error)"})
public final class PrepareCommand implements Callable<Integer> {
    public static final int EXIT_BAD_INPUT = 2;

    @Spec
    private CommandSpec commandSpec;

    @Option(names = "--dataset", defaultValue = "fashion-mnist", paramLabel = "NAME",
            description = "fashion-mnist, mnist, imagenet or folder (default: ${DEFAULT-VALUE})")
    private String dataset;

    @Option(names = "--input", required = true, paramLabel = "DIR",
            description = {"IDX datasets: the directory holding the four IDX files, e.g. train-images-idx3-ubyte[.gz];",
                    "imagenet: train/<wnid>/*.JPEG and val/ (class folders, or flat with LOC_val_solution.csv), or the Kaggle",
                    "ILSVRC tree (ILSVRC/Data/CLS-LOC/, LOC_synset_mapping.txt); folder: train/<class>/*, val/<class>/*"})
    private String input;

    @Option(names = "--output", required = true, paramLabel = "URI", description = "where to write the prepared splits")
    private String output;

    @Option(names = "--image-size", defaultValue = "0", paramLabel = "PIXELS",
            description = "image datasets: side of the stored centre crop (default: 224)")
    private int imageSize;

    @Option(names = "--resize", defaultValue = "0", paramLabel = "PIXELS",
            description = "image datasets: shorter side before the crop (default: 256, or image size x 256/224)")
    private int resize;

    @Option(names = "--shard-size", paramLabel = "N",
            description = "examples per shard file (default: " + PrepareRequest.DEFAULT_SHARD_SIZE + " for IDX, "
                    + PrepareRequest.DEFAULT_IMAGE_SHARD_SIZE + " for images)")
    private Integer shardSize;

    @Option(names = "--skip-bad", description = "image datasets: leave out unreadable images and empty class folders, listing each "
            + "with its reason in the manifest (default: fail, writing nothing)")
    private boolean skipBad;

    @Option(names = "--overwrite", description = "replace existing prepared splits in the output (deleted first, never mixed)")
    private boolean overwrite;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "prepare only N examples of each split, e.g. for a quick try; images are taken from every class in turn (default: all)")
    private long limit;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master if not run by spark-submit (default: local[*])")
    private String master;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PrepareCommand()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = commandSpec.commandLine().getOut();
        PrintWriter err = commandSpec.commandLine().getErr();
        try {
            boolean images = org.sparkresnet.data.image.ImageDatasetSpec.isImageDataset(dataset);
            int examplesPerShard = shardSize != null ? shardSize : images ? PrepareRequest.DEFAULT_IMAGE_SHARD_SIZE : PrepareRequest.DEFAULT_SHARD_SIZE;
            PrepareRequest request = new PrepareRequest(dataset, input, output, examplesPerShard, overwrite, limit, imageSize, resize, skipBad);
            checkInputDirectoryExists(request);
            out.printf("prepare %s: reading %s from %s, writing shards of %d examples to %s%s%s%n", request.dataset(),
                    images ? "images (" + request.imagePreprocessing().describe() + ")" : "IDX files",
                    request.inputDirUri(), request.shardSize(), request.outputUri(),
                    request.overwrite() ? " (overwriting)" : "",
                    request.limitPerSplit() > 0 ? ", at most " + request.limitPerSplit() + " examples per split" : "");
            out.flush();
            PrepareResult result;
            try (JavaSparkContext sc = SparkContexts.create("prepare " + request.dataset(), master)) {
                result = PrepareJob.run(sc, request, line -> {
                    out.println(line);
                    out.flush();
                });
            }
            out.print(result.summary());
            out.flush();
            return 0;
        } catch (IllegalArgumentException | org.sparkresnet.data.fs.LockHeldException e) {
            return badInput(err, e.getMessage());
        } catch (RuntimeException e) {
            DataPrepException dataError = DataPrepException.findIn(e);
            if (dataError == null) {
                throw e;
            }
            return badInput(err, dataError.getMessage());
        }
    }

    private static int badInput(PrintWriter err, String message) {
        err.println("prepare: error: " + message);
        err.flush();
        return EXIT_BAD_INPUT;
    }

    /**
     * Fails fast, before Spark starts, when the input directory does not exist. Uses the Hadoop settings the Spark
     * configuration would give (spark.hadoop.*); if the file system cannot even be asked here, the job's own checks
     * report the problem later.
     */
    private void checkInputDirectoryExists(PrepareRequest request) {
        Path dir = new Path(request.inputDirUri());
        boolean exists;
        try {
            FileSystem fs = dir.getFileSystem(hadoopConfFromSpark(SparkContexts.conf("prepare", master)));
            exists = fs.exists(dir);
        } catch (IOException | RuntimeException e) {
            return;
        }
        if (!exists) {
            throw new DataPrepException("input directory " + dir + " does not exist");
        }
    }

    private static Configuration hadoopConfFromSpark(SparkConf sparkConf) {
        Configuration conf = new Configuration();
        for (Tuple2<String, String> entry : sparkConf.getAllWithPrefix("spark.hadoop.")) {
            conf.set(entry._1(), entry._2());
        }
        return conf;
    }
}
