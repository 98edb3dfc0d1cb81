package org.sparkresnet.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.factory.Nd4j;
import org.sparkresnet.jobs.eval.EvaluationReport;
import org.sparkresnet.jobs.eval.SparkEvaluation;
import org.sparkresnet.jobs.metrics.EpochMetrics;
import org.sparkresnet.jobs.metrics.IterationMetrics;
import org.sparkresnet.jobs.metrics.TrainingReport;
import org.sparkresnet.jobs.train.TrainRequest;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The files a person looks at: the training report with its charts and the evaluation report. */
class ReportsTest {
    @TempDir
    java.nio.file.Path dir;

    @Test
    void trainingReportHasChartsAndOneRowPerEpoch() throws Exception {
        List<EpochMetrics> epochs = List.of(
                new EpochMetrics(1, 100, 6400, 1.25, 0.61, Double.NaN, 1e-3, 50, 128, 90, 2),
                new EpochMetrics(2, 200, 6400, 0.75, 0.72, Double.NaN, 1e-3, 48, 133, 88, 2));
        TrainingReport.write(new Path(dir.toUri()), new Configuration(), Map.of("model", "resnet20"), epochs);
        for (String png : new String[]{TrainingReport.LOSS_PNG, TrainingReport.ACCURACY_PNG}) {
            byte[] bytes = Files.readAllBytes(dir.resolve(png));
            assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', png + " is a PNG image");
        }
        String html = Files.readString(dir.resolve(TrainingReport.HTML));
        assertTrue(html.contains("<td>2</td><td>6,400</td><td>0.7500</td><td>0.7200</td>"), html);
        assertTrue(html.contains("<td>48</td><td>92% of 2</td></tr>"), "compute share = 88 loop seconds / (48 s x 2 workers): " + html);
        assertTrue(html.contains("last test accuracy <b>0.7200</b>"), html);
        assertTrue(html.contains("data:image/png;base64,"), "charts are embedded so the page stands alone");
    }

    /** A one-epoch run: the loss and speed curves come from the iteration points, the settings are one row each. */
    @Test
    void trainingReportHasIterationCurvesAndTheSettingsAsRows() throws Exception {
        List<IterationMetrics> points = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            points.add(new IterationMetrics(1, 10L * i, 320L * i, 10, 2.3 / Math.sqrt(i), 2e-3, 600 + i, 0.02, 1.75e9 + i));
        }
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("request", new TrainRequest("file:/data/fmnist", "file:/runs/one", "resnet20", 1, 32, "adam", 2e-3, 0.9, 5e-4, 2, 7, false));
        run.put("dataset", "fashion-mnist");
        run.put("classes", List.of("shirt", "shoe"));
        run.put("trainExamples", 6400);
        run.put("versions", Map.of("spark", "3.5.9"));
        TrainingReport.write(new Path(dir.toUri()), new Configuration(), run,
                List.of(new EpochMetrics(1, 200, 6400, 0.9, 0.81, Double.NaN, 2e-3, 11, 610, 20, 2)), points);

        for (String png : new String[]{TrainingReport.LOSS_PNG, TrainingReport.IMAGES_PER_SECOND_PNG, TrainingReport.DATA_WAIT_PNG,
                TrainingReport.ACCURACY_PNG}) {
            byte[] bytes = Files.readAllBytes(dir.resolve(png));
            assertTrue(bytes.length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', png + " is a PNG image");
        }
        String html = Files.readString(dir.resolve(TrainingReport.HTML));
        for (String alt : List.of("training loss against the iteration", "training images per second against the iteration",
                "test accuracy per epoch")) {
            assertTrue(html.contains("<img alt=\"" + alt + "\" src=\"data:image/png;base64,"), alt + ": " + html);
        }
        assertTrue(html.contains("iteration 200, training loss 0.5143 over its last 10 iterations"), html);
        assertTrue(html.contains("<td>1</td><td>6,400</td><td>0.9000</td><td>0.8100</td>"), "the epoch table stays: " + html);
        for (String row : List.of("<tr><th>data</th><td>file:/data/fmnist</td></tr>", "<tr><th>output</th><td>file:/runs/one</td></tr>",
                "<tr><th>model</th><td>resnet20</td></tr>", "<tr><th>epochs</th><td>1</td></tr>", "<tr><th>batch size</th><td>32</td></tr>",
                "<tr><th>optimizer / updater</th><td>adam</td></tr>", "<tr><th>optimizer / learning rate</th><td>0.002</td></tr>",
                "<tr><th>optimizer / weight decay</th><td>5.0E-4</td></tr>", "<tr><th>optimizer / schedule / decay</th><td>constant</td></tr>",
                "<tr><th>mode</th><td>averaging</td></tr>", "<tr><th>averaging frequency</th><td>2</td></tr>",
                "<tr><th>sharing / aeron port</th><td>40123</td></tr>", "<tr><th>augmentation</th><td>none</td></tr>",
                "<tr><th>seed</th><td>7</td></tr>", "<tr><th>dataset</th><td>fashion-mnist</td></tr>",
                "<tr><th>classes</th><td>shirt, shoe</td></tr>", "<tr><th>training images</th><td>6400</td></tr>",
                "<tr><th>versions / spark</th><td>3.5.9</td></tr>")) {
            assertTrue(html.contains(row), row + " in: " + html);
        }
        assertFalse(html.contains("TrainRequest["), "the settings are rows, not the record's toString: " + html);
    }

    @Test
    void evaluationReportHasPerClassAccuracyAndTheConfusionMatrix() throws Exception {
        List<String> labels = List.of("shirt", "shoe", "bag");
        Evaluation eval = new Evaluation(labels, 1);
        // actual: shirt, shirt, shoe, bag, bag, bag; predicted: shirt, bag, shoe, bag, bag, shirt
        int[] actual = {0, 0, 1, 2, 2, 2};
        int[] predicted = {0, 2, 1, 2, 2, 0};
        eval.eval(oneHot(actual, 3), oneHot(predicted, 3));
        EvaluationReport.write(new Path(dir.toUri()), "test", "file:/m/model.zip", new SparkEvaluation.Result(eval, null), labels, new Configuration());

        JsonNode json = new ObjectMapper().readTree(dir.resolve("evaluation-test.json").toFile());
        assertEquals(4.0 / 6, json.get("accuracy").asDouble(), 1e-9);
        assertTrue(json.get("top5Accuracy").isNull(), "no top-5 for 3 classes");
        assertEquals(0.5, json.get("perClass").get(0).get("accuracy").asDouble(), 1e-9);
        assertEquals(1.0, json.get("perClass").get(1).get("accuracy").asDouble(), 1e-9);
        assertEquals(2.0 / 3, json.get("perClass").get(2).get("accuracy").asDouble(), 1e-9);
        long[][] confusion = new ObjectMapper().treeToValue(json.get("confusion"), long[][].class);
        assertArrayEquals(new long[][]{{1, 0, 1}, {0, 1, 0}, {1, 0, 2}}, confusion);
        String html = Files.readString(dir.resolve("evaluation-test.html"));
        assertTrue(html.contains("<th>bag</th><td>3</td><td>0.6667</td>"), html);
        assertTrue(html.contains("Confusion matrix"), html);
    }

    private static org.nd4j.linalg.api.ndarray.INDArray oneHot(int[] classes, int n) {
        float[][] rows = new float[classes.length][n];
        for (int i = 0; i < classes.length; i++) {
            rows[i][classes[i]] = 1f;
        }
        return Nd4j.create(rows);
    }
}
