package org.sparkresnet.model.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.model.InputShape;
import org.sparkresnet.model.ModelRequest;
import org.sparkresnet.model.ResNets;

class ModelRecordZipTest {
    private static final InputShape INPUT = new InputShape(3, 16, 16);
    private static final ModelRecord RECORD = new ModelRecord("resnet20", INPUT, List.of("cat", "dog", "bird"), List.of("n1", "n2", "n3"),
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f}, 18, 16, "folder", "file:/data/pets");

    @Test
    void recordTravelsInsideTheZipAndTheZipStillLoadsWithDl4jAlone(@TempDir Path dir) throws Exception {
        ComputationGraph net = ResNets.build(ModelRequest.of("resnet20", INPUT, 3));
        File zip = dir.resolve("model.zip").toFile();
        try (OutputStream out = new FileOutputStream(zip)) {
            ModelRecordZip.write(net, true, RECORD, out);
        }
        ModelRecordZip.SavedModel saved = ModelRecordZip.read(zip, zip.toString());
        assertEquals(RECORD, saved.record().orElseThrow());
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 16, 16);
        assertEquals(net.outputSingle(x), saved.network().outputSingle(x));
        // DL4J's own loader, with updater state, is unaffected by the extra entry.
        ComputationGraph plain = ModelSerializer.restoreComputationGraph(zip, true);
        assertEquals(net.params(), plain.params());
        assertEquals(net.getUpdater().getStateViewArray(), plain.getUpdater().getStateViewArray());
    }

    @Test
    void zipWithoutRecordLoadsWithAnEmptyRecord(@TempDir Path dir) throws Exception {
        ComputationGraph net = ResNets.build(ModelRequest.of("resnet20", INPUT, 3));
        File zip = dir.resolve("plain.zip").toFile();
        ModelSerializer.writeModel(net, zip, false);
        assertTrue(ModelRecordZip.read(zip, zip.toString()).record().isEmpty());
    }

    @Test
    void theRecordAloneIsReadFromAStreamWithoutTheNetworkAndAnythingElseIsRefused(@TempDir Path dir) throws Exception {
        ComputationGraph net = ResNets.build(ModelRequest.of("resnet20", INPUT, 3));
        File zip = dir.resolve("model.zip").toFile();
        try (OutputStream out = new FileOutputStream(zip)) {
            ModelRecordZip.write(net, true, RECORD, out);
        }
        try (var in = new java.io.FileInputStream(zip)) {
            assertEquals(RECORD, ModelRecordZip.scanRecord(in, "model.zip").orElseThrow());
        }
        File plain = dir.resolve("plain.zip").toFile();
        ModelSerializer.writeModel(net, plain, false);
        try (var in = new java.io.FileInputStream(plain)) {
            assertTrue(ModelRecordZip.scanRecord(in, "plain.zip").isEmpty(), "a DL4J zip without a record");
        }
        IllegalArgumentException notZip = assertThrows(IllegalArgumentException.class,
                () -> ModelRecordZip.scanRecord(new java.io.ByteArrayInputStream("not a model".getBytes(StandardCharsets.UTF_8)), "notes.zip"));
        assertTrue(notZip.getMessage().startsWith("notes.zip is not a model zip"), notZip.getMessage());
    }

    @Test
    void jsonNamesItsFieldsAndRefusesAFutureFormat() {
        String json = new String(ModelRecordZip.toJson(RECORD), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"input\" : \"3x16x16\"") && json.contains("\"formatVersion\" : 1") && json.contains("\"cat\""), json);
        assertEquals(RECORD, ModelRecordZip.fromJson(json.getBytes(StandardCharsets.UTF_8), "x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelRecordZip.fromJson(json.replace("\"formatVersion\" : 1", "\"formatVersion\" : 7").getBytes(StandardCharsets.UTF_8), "m.zip"));
        assertTrue(e.getMessage().contains("m.zip") && e.getMessage().contains("version 7"), e.getMessage());
    }

    @Test
    void inconsistentRecordsAreRefusedNamingTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelRecord("resnet20", INPUT, List.of("a", "b"), null,
                new float[] {0.5f}, new float[] {0.5f}, 0, 0, null, null));
        assertTrue(e.getMessage().contains("per input channel (3)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ModelRecord("resnet20", INPUT, List.of("a", "b"), null,
                new float[] {0, 0, 0}, new float[] {1, 1, 1}, 32, 24, null, null));
        assertTrue(e.getMessage().contains("imageSize 24"), e.getMessage());
    }
}
