package org.sparkresnet.model.record;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.SerializationFeature;

/**
 * A model.zip as DL4J's ModelSerializer writes it, plus one entry holding the {@link ModelRecord}. ModelSerializer
 * reads its own entries by name and ignores others (as with its own {@code addObjectToFile}), so the zip still loads
 * anywhere DL4J loads models.
 */
public final class ModelRecordZip {
    public static final String ENTRY = "sparkresnet/model-record.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelRecordZip() {
    }

    /** A loaded model and its record; the record is empty for a zip saved without one. */
    public record SavedModel(ComputationGraph network, Optional<ModelRecord> record) {
    }

    /** Writes {@code net} (with its updater state if asked) and {@code record} as one zip to {@code out}; closes it. */
    public static void write(ComputationGraph net, boolean withUpdater, ModelRecord record, OutputStream out) throws IOException {
        File plain = File.createTempFile("model-", ".zip");
        try {
            ModelSerializer.writeModel(net, plain, withUpdater);
            try (ZipFile source = new ZipFile(plain); ZipOutputStream zip = new ZipOutputStream(out)) {
                Enumeration<? extends ZipEntry> entries = source.entries();
                while (entries.hasMoreElements()) {
                    ZipEntry entry = entries.nextElement();
                    if (entry.getName().equals(ENTRY)) {
                        continue;
                    }
                    zip.putNextEntry(new ZipEntry(entry.getName()));
                    try (InputStream in = source.getInputStream(entry)) {
                        in.transferTo(zip);
                    }
                    zip.closeEntry();
                }
                zip.putNextEntry(new ZipEntry(ENTRY));
                zip.write(toJson(record));
                zip.closeEntry();
            }
        } finally {
            Files.deleteIfExists(plain.toPath());
        }
    }

    /** Reads a model zip from a stream (copied to a local temporary file first, as ModelSerializer does itself). */
    public static SavedModel read(InputStream in, String where) throws IOException {
        File local = File.createTempFile("model-", ".zip");
        try {
            Files.copy(in, local.toPath(), StandardCopyOption.REPLACE_EXISTING);
            return read(local, where);
        } finally {
            Files.deleteIfExists(local.toPath());
        }
    }

    /** Reads a local model zip; {@code where} names it in errors. */
    public static SavedModel read(File zipFile, String where) throws IOException {
        ComputationGraph net = ModelSerializer.restoreComputationGraph(zipFile, true);
        return new SavedModel(net, readRecord(zipFile, where));
    }

    /** The record in a local model zip, if it has one. */
    public static Optional<ModelRecord> readRecord(File zipFile, String where) throws IOException {
        try (ZipFile zip = new ZipFile(zipFile)) {
            ZipEntry entry = zip.getEntry(ENTRY);
            if (entry == null) {
                return Optional.empty();
            }
            try (InputStream in = zip.getInputStream(entry)) {
                return Optional.of(fromJson(in.readAllBytes(), where));
            }
        }
    }

    /**
     * The record of a model zip read from a stream in one pass, without building the network (a driver that only
     * needs the class names or input shape of a ResNet-152 need not hold its 230 MB); empty when the zip has none.
     *
     * @throws IllegalArgumentException when the stream is not a DL4J model zip; {@code where} names it
     */
    public static Optional<ModelRecord> scanRecord(InputStream in, String where) throws IOException {
        boolean dl4jModel = false;
        ModelRecord record = null;
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(in)) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                if (entry.getName().equals("configuration.json")) {
                    dl4jModel = true;
                } else if (entry.getName().equals(ENTRY)) {
                    record = fromJson(zip.readAllBytes(), where);
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(where + " is not a model zip (" + e.getMessage() + ")", e);
        }
        if (!dl4jModel) {
            throw new IllegalArgumentException(where + " is not a model zip (no configuration.json): expected a model.zip written by"
                    + " train, finetune or import-torchvision");
        }
        return Optional.ofNullable(record);
    }

    public static byte[] toJson(ModelRecord record) {
        try {
            return JSON.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write model record " + record, e);
        }
    }

    public static ModelRecord fromJson(byte[] json, String where) {
        try {
            return JSON.readValue(json, ModelRecord.class);
        } catch (IOException | RuntimeException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            throw new IllegalArgumentException("model record " + ENTRY + " in " + where + " is not readable: " + cause.getMessage(), e);
        }
    }
}
