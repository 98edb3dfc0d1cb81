package org.sparkresnet.jobs.store;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Saves and loads model zips (DL4J ModelSerializer format) at any Hadoop FS URI; saves are atomic. */
public final class ModelStore {
    private ModelStore() {
    }

    public static void save(ComputationGraph net, Path target, Configuration conf, boolean withUpdater) {
        HadoopFiles.writeAtomically(target, conf, out -> ModelSerializer.writeModel(net, out, withUpdater));
    }

    public static ComputationGraph load(Path source, Configuration conf) {
        try {
            if (!source.getFileSystem(conf).exists(source)) {
                throw new IllegalArgumentException("no model at " + source + ": expected a model zip written by the train job");
            }
            try (FSDataInputStream in = source.getFileSystem(conf).open(source)) {
                return ModelSerializer.restoreComputationGraph(in, true);
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
}
