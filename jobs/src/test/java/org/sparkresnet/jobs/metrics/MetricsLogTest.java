package org.sparkresnet.jobs.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** metrics.json's iterations while an epoch runs and across a resume, and the TensorBoard files that follow them. */
class MetricsLogTest {
    @TempDir
    java.nio.file.Path dir;

    static final Map<String, Object> RUN = Map.of("model", "resnet20");

    static IterationMetrics point(int epoch, long iteration) {
        return new IterationMetrics(epoch, iteration, iteration * 32, 10, 2.0 / iteration, 1e-3, 500, 0.05, 1_750_000_000 + iteration);
    }

    static EpochMetrics epoch(int epoch) {
        return new EpochMetrics(epoch, 20, 640, 1.0 / epoch, 0.5 + epoch / 10.0, Double.NaN, 1e-3, 4, 160, 7, 2);
    }

    JsonNode metricsJson() throws Exception {
        return new ObjectMapper().readTree(dir.resolve(MetricsLog.FILE_NAME).toFile());
    }

    @Test
    void pointsOfTheEpochInProgressReachMetricsJsonAndTheReportBeforeTheEpochEnds() throws Exception {
        MetricsLog log = new MetricsLog(new Path(dir.toUri()), new Configuration(), RUN, Duration.ZERO);
        log.resume(List.of());
        log.addIteration(point(1, 10));
        log.addIteration(point(1, 20));
        JsonNode json = metricsJson();
        assertEquals(0, json.get("epochs").size());
        assertEquals(List.of(10L, 20L), iterations(json));
        assertEquals(0.1, json.get("iterations").get(1).get("trainLoss").asDouble(), 1e-12);
        String html = Files.readString(dir.resolve(TrainingReport.HTML));
        assertTrue(html.contains("No epoch finished yet; iteration 20, training loss 0.1000 over its last 10 iterations"), html);
        assertTrue(html.contains("alt=\"training loss against the iteration\""), html);
        assertFalse(html.contains("alt=\"test accuracy per epoch\""), "no accuracy chart before the first evaluation: " + html);
        assertTrue(EventFiles.files(dir.resolve(TensorBoardLog.DIR)).isEmpty(), "TensorBoard gets an epoch's file when it ends");

        log.append(epoch(1));
        assertEquals(1, metricsJson().get("epochs").size());
        assertEquals(1, EventFiles.files(dir.resolve(TensorBoardLog.DIR)).size());
    }

    @Test
    void pointsWaitForTheRewriteIntervalButAnEpochEndWritesThemAll() throws Exception {
        MetricsLog log = new MetricsLog(new Path(dir.toUri()), new Configuration(), RUN, Duration.ofHours(1));
        log.resume(List.of());
        log.addIteration(point(1, 10));
        assertFalse(Files.exists(dir.resolve(MetricsLog.FILE_NAME)), "not rewritten before the interval has passed");
        log.addIteration(point(1, 20));
        log.append(epoch(1));
        assertEquals(List.of(10L, 20L), iterations(metricsJson()));
    }

    /**
     * A run killed after epoch 3, checkpointed after epoch 2: the resumed run keeps epochs 1-2's points from the
     * metrics.json the killed run left, drops epoch 3's (trained again), and TensorBoard's folder matches.
     */
    @Test
    void aResumedRunKeepsThePointsOfTheCheckpointedEpochsOnly() throws Exception {
        Path out = new Path(dir.toUri());
        MetricsLog killed = new MetricsLog(out, new Configuration(), RUN, Duration.ZERO);
        killed.resume(List.of());
        for (int e = 1; e <= 3; e++) {
            killed.addIteration(point(e, e * 20L - 10));
            killed.addIteration(point(e, e * 20L));
            killed.append(epoch(e));
        }
        killed.addIteration(point(4, 70)); // epoch 4 was under way
        assertEquals(3, EventFiles.files(dir.resolve(TensorBoardLog.DIR)).size());

        MetricsLog resumed = new MetricsLog(out, new Configuration(), RUN, Duration.ZERO);
        resumed.resume(List.of(epoch(1), epoch(2)));
        assertEquals(List.of(10L, 20L, 30L, 40L), iterations(metricsJson()));
        assertEquals(40, resumed.iterationsDone());
        assertEquals(1280, resumed.examplesDone());
        List<java.nio.file.Path> files = EventFiles.files(dir.resolve(TensorBoardLog.DIR));
        assertEquals(2, files.size(), "the TensorBoard folder holds the checkpointed epochs only: " + files);
        resumed.addIteration(point(3, 50));
        resumed.addIteration(point(3, 60));
        resumed.append(epoch(3));
        assertEquals(List.of(10L, 20L, 30L, 40L, 50L, 60L), iterations(metricsJson()));
        assertEquals(List.of(1, 2, 3), epochsOf(metricsJson()));
        assertEquals(3, EventFiles.files(dir.resolve(TensorBoardLog.DIR)).size());
    }

    @Test
    void aResumeWithoutEarlierPointsKeepsTheEpochs() throws Exception {
        Files.writeString(dir.resolve(MetricsLog.FILE_NAME), "{\"run\": {}, \"epochs\": []}"); // metrics.json of an earlier version
        MetricsLog resumed = new MetricsLog(new Path(dir.toUri()), new Configuration(), RUN, Duration.ZERO);
        resumed.resume(List.of(epoch(1)));
        assertEquals(List.of(), iterations(metricsJson()));
        assertEquals(List.of(1), epochsOf(metricsJson()));
    }

    static List<Long> iterations(JsonNode json) {
        List<Long> found = new ArrayList<>();
        json.get("iterations").forEach(p -> found.add(p.get("iteration").asLong()));
        return found;
    }

    static List<Integer> epochsOf(JsonNode json) {
        List<Integer> found = new ArrayList<>();
        json.get("epochs").forEach(e -> found.add(e.get("epoch").asInt()));
        return found;
    }
}
