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
import org.sparkresnet.jobs.metrics.TrainingReport;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
