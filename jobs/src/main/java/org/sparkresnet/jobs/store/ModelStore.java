package org.sparkresnet.jobs.store;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.sparkresnet.data.SplitManifest;
import org.sparkresnet.data.fs.HadoopFiles;
import org.sparkresnet.model.record.ModelRecord;
import org.sparkresnet.model.record.ModelRecordZip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/** Saves and loads model zips (DL4J ModelSerializer format, plus the {@link ModelRecord}) at any Hadoop FS URI; saves are atomic. */
public final class ModelStore {
    private ModelStore() {
    }

    /** A plain DL4J zip, without a record (checkpoints: the run's model.zip carries the record). */
    public static void save(ComputationGraph net, Path target, Configuration conf, boolean withUpdater) {
        HadoopFiles.writeAtomically(target, conf, out -> ModelSerializer.writeModel(net, out, withUpdater));
    }

    /** The zip with {@code record} inside, so that predict, features and fine-tuning need nothing else. */
    public static void save(ComputationGraph net, Path target, Configuration conf, boolean withUpdater, ModelRecord record) {
        HadoopFiles.writeAtomically(target, conf, out -> ModelRecordZip.write(net, withUpdater, record, out));
    }

    /** The record of a model trained on {@code train}: its classes and the preprocessing its images went through. */
    public static ModelRecord recordOf(String model, SplitManifest train, String dataUri) {
        return new ModelRecord(model, train.shape(), train.labelNames(), train.classIds(), train.mean(), train.std(),
                train.preprocessing().resize(), train.preprocessing().imageSize(), train.dataset(), dataUri);
    }

    public static ComputationGraph load(Path source, Configuration conf) {
        return loadWithRecord(source, conf).network();
    }

    /** The model and its record (empty for zips saved without one, e.g. by older versions or by DL4J itself). */
    public static ModelRecordZip.SavedModel loadWithRecord(Path source, Configuration conf) {
        try {
            if (!source.getFileSystem(conf).exists(source)) {
                throw noModel(source);
            }
            try (FSDataInputStream in = source.getFileSystem(conf).open(source)) {
                return ModelRecordZip.read(in, source.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + source + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException("cannot load model " + source + " (not a DL4J ComputationGraph zip?): " + e.getMessage(), e);
        }
    }

    /** The model and its record, or a clear error for a zip that has none. */
    public static ModelRecordZip.SavedModel loadRequiringRecord(Path source, Configuration conf) {
        ModelRecordZip.SavedModel saved = loadWithRecord(source, conf);
        if (saved.record().isEmpty()) {
            throw noRecord(source);
        }
        return saved;
    }

    /**
     * Only the record of the model zip at any Hadoop URI, read in one pass without building the network; empty for
     * zips saved without one.
     *
     * @throws IllegalArgumentException when there is no file, or it is not a DL4J model zip
     */
    public static Optional<ModelRecord> readRecord(Path source, Configuration conf) {
        if (!HadoopFiles.exists(source, conf)) {
            throw noModel(source);
        }
        try (FSDataInputStream in = HadoopFiles.fileSystem(source, conf).open(source)) {
            return ModelRecordZip.scanRecord(in, source.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + source + ": " + e.getMessage(), e);
        }
    }

    /** {@link #readRecord}, or a clear error for a zip that has none. */
    public static ModelRecord requireRecord(Path source, Configuration conf) {
        return readRecord(source, conf).orElseThrow(() -> noRecord(source));
    }

    private static IllegalArgumentException noModel(Path source) {
        return new IllegalArgumentException("no model at " + source + ": expected a model zip written by train, finetune or import-torchvision");
    }

    private static IllegalArgumentException noRecord(Path source) {
        return new IllegalArgumentException("model " + source + " has no " + ModelRecordZip.ENTRY + " (class names and preprocessing):"
                + " it was saved by an older version or outside this project; train or import it again with this version");
    }
}
